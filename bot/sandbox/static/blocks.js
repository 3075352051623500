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

  function nodes(list, parent) {
    for (const node of list || []) {
      if ("text" in node) {
        parent.appendChild(document.createTextNode(node.text));
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
