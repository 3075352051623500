"""Native lead sources: each vendor's webhook verified its own way and translated to lead events.

One module per vendor (``typeform``, ``tally``, ``webflow``, ``calendly``,
``segment``, ``unbounce``) holds ``verify`` (the vendor's signature on the raw
bytes), ``sign`` (the same, for demos, tests and benchmarks) and ``translate``
(the payload as generic event documents, ``bot.leads.events``). They are pure:
bytes, headers and the rules file's ``sources:`` section in, documents out.
``registry`` lists them for the routes and the command line; ``forms`` holds
the answer-to-field defaults the form builders share; ``inbound`` validates
the documents into the writer's events. docs/sources.md explains the design.
"""
