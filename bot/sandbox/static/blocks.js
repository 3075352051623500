// Block Kit for the sandbox page, drawn from the node trees the server parsed
// (bot/sandbox/render.py). Elements come from a fixed list of tags and every
// string goes into textContent, so no message text is ever parsed as HTML.
"use strict";

window.SandboxBlocks = (() => {
  const TAGS = { b: "strong", i: "em", s: "del", code: "code", pre: "pre", blockquote: "blockquote" };
  const SAFE_LINK = /^(https?:|mailto:)/i;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // Slack's <!date^…> tokens, shown as Slack shows them: in the reader's time zone.
  const DAY_MS = 86400000;
  const DATE_PARTS = {
    date_num: { year: "numeric", month: "2-digit", day: "2-digit" },
    date: { year: "numeric", month: "long", day: "numeric" },
    date_short: { year: "numeric", month: "short", day: "numeric" },
    date_long: { weekday: "long", year: "numeric", month: "long", day: "numeric" },
    time: { hour: "numeric", minute: "2-digit" },
    time_secs: { hour: "numeric", minute: "2-digit", second: "2-digit" },
  };
  const RELATIVE_DAYS = { "-1": "yesterday", 0: "today", 1: "tomorrow" };

  function dayNumber(when) {
    return Math.floor((when.getTime() - when.getTimezoneOffset() * 60000) / DAY_MS);
  }

  function ago(when) {
    const seconds = Math.round((when.getTime() - Date.now()) / 1000);
    const units = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
    const [unit, size] = units.find(([, length]) => Math.abs(seconds) >= length) || units[3];
    return new Intl.RelativeTimeFormat(undefined, { numeric: "auto" })
      .format(Math.round(seconds / size), unit);
  }

  function dateToken(name, when) {
    if (name === "ago") return ago(when);
    const pretty = name.endsWith("_pretty");
    const base = pretty ? name.slice(0, -"_pretty".length) : name;
    if (!DATE_PARTS[base]) return null;
    const relative = RELATIVE_DAYS[dayNumber(when) - dayNumber(new Date())];
    if (pretty && relative) return relative;
    if (base === "date_num") return when.toLocaleDateString("sv-SE");  // 2026-11-23
    return when.toLocaleString(undefined, DATE_PARTS[base]);
  }

  function slackDate(node) {
    const when = new Date(node.date * 1000);
    let unknown = false;
    const shown = node.format.replace(/\{(\w+)\}/g, (token, name) => {
      const value = dateToken(name, when);
      unknown = unknown || value === null;
      return value === null ? token : value;
    });
    const span = el("time", "date", unknown ? node.fallback : shown);
    span.dateTime = when.toISOString();
    span.title = node.fallback;
    return span;
  }

  function nodes(list, parent) {
    for (const node of list || []) {
      if ("text" in node) {
        parent.appendChild(document.createTextNode(node.text));
      } else if ("date" in node) {
        parent.appendChild(slackDate(node));
      } else if ("mention" in node) {
        parent.appendChild(el("span", "mention", node.mention));
      } else if ("link" in node) {
        if (SAFE_LINK.test(node.link)) {
          const a = el("a");
          a.href = node.link;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          parent.appendChild(nodes(node.children, a));
        } else {
          nodes(node.children, parent);
        }
      } else if (TAGS[node.tag]) {
        parent.appendChild(nodes(node.children, el(TAGS[node.tag])));
      }
    }
    return parent;
  }

  function text(object, tag = "div", className = "") {
    return nodes(object && object.nodes, el(tag, ("mrkdwn " + className).trim()));
  }

  function plain(object, fallback) {
    return (object && object.text) || fallback;
  }

  function button(element, where) {
    const b = el("button", "btn " + (element.style || ""), plain(element.text, "Button"));
    b.type = "button";
    b.dataset.actionId = element.action_id || "";
    if (where.onClick) {
      b.addEventListener("click", () => where.onClick(element.action_id, b));
    } else {
      b.disabled = true;
      b.title = "Not interactive in the sandbox";
    }
    return b;
  }

  function inputControl(element) {
    let control;
    if (element.type === "static_select") {
      control = el("select");
      control.appendChild(el("option", "", plain(element.placeholder, "Choose an option"))).value = "";
      const groups = element.option_groups || [{ options: element.options || [] }];
      for (const group of groups) {
        const parent = group.label ? control.appendChild(el("optgroup")) : control;
        if (group.label) parent.label = plain(group.label, "");
        for (const option of group.options || []) {
          parent.appendChild(el("option", "", plain(option.text, option.value))).value = option.value;
        }
      }
      if (element.initial_option) control.value = element.initial_option.value;
    } else if (element.type === "plain_text_input") {
      control = el(element.multiline ? "textarea" : "input");
      if (element.max_length) control.maxLength = element.max_length;
      if (element.initial_value) control.value = element.initial_value;
      if (element.placeholder) control.placeholder = plain(element.placeholder, "");
    } else {
      return el("div", "unsupported", `${element.type} inputs are not simulated`);
    }
    control.dataset.actionId = element.action_id || "";
    return control;
  }

  const BLOCKS = {
    header: (block) => text(block.text, "div", "b-header"),
    divider: () => el("hr", "b-divider"),
    section(block, where) {
      const section = el("div", "b-section");
      const body = section.appendChild(el("div"));
      if (block.text) body.appendChild(text(block.text));
      if (block.fields) {
        const fields = body.appendChild(el("div", "fields"));
        for (const field of block.fields) fields.appendChild(text(field));
      }
      if (block.accessory && block.accessory.type === "button") {
        section.appendChild(button(block.accessory, where));
      }
      return section;
    },
    context(block) {
      const context = el("div", "b-context");
      for (const item of block.elements || []) {
        context.appendChild(item.nodes ? text(item, "span") : el("span", "", item.alt_text || ""));
      }
      return context;
    },
    actions(block, where) {
      const actions = el("div", "b-actions");
      for (const element of block.elements || []) {
        actions.appendChild(element.type === "button" ? button(element, where)
          : el("span", "unsupported", `${element.type} is not simulated`));
      }
      return actions;
    },
    image: (block) => el("div", "unsupported", `[image: ${block.alt_text || ""}]`),
    input(block) {
      const wrap = el("label", "input-block");
      wrap.dataset.blockId = block.block_id || "";
      const label = wrap.appendChild(el("span", "input-label", plain(block.label, "")));
      if (block.optional) label.appendChild(el("span", "optional", " (optional)"));
      const control = wrap.appendChild(inputControl(block.element || {}));
      control.required = !block.optional;
      wrap.appendChild(el("span", "input-error")).hidden = true;
      return wrap;
    },
  };

  function blocks(list, where) {
    const fragment = document.createDocumentFragment();
    for (const block of list || []) {
      const draw = BLOCKS[block.type];
      const drawn = draw ? draw(block, where) : el("div", "unsupported", `[${block.type} block]`);
      drawn.classList.add("block");
      fragment.appendChild(drawn);
    }
    return fragment;
  }

  return { el, text, plain, blocks };
})();
