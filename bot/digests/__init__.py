"""Daily and weekly digests: when they go out, what they say, and the claim that sends each once."""
