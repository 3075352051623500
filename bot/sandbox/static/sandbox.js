// The sandbox page: who is acting, which channel is shown, the live stream,
// and what a click, a modal or a command sends to the server. Drawing blocks
// is blocks.js's job.
"use strict";

(() => {
  const { el, text, plain, blocks } = window.SandboxBlocks;
  const POLL_MS = 2000;
  const page = {
    viewer: localStorage.getItem("sandbox.viewer") || "U0ALICE",
    channel: localStorage.getItem("sandbox.channel") || "C0SALES",
    data: null,
    seen: {},
    latestEphemeral: {},
    modalKey: null,
    refreshing: false,
    dirty: false,
    timer: null,
    poller: null,
  };
  const $ = (id) => document.getElementById(id);

  // -- messages ----------------------------------------------------------

  function time(ts) {
    return new Date(parseFloat(ts) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function message(item, channel) {
    const row = el("article", "message" + (item.ephemeral ? " ephemeral" : ""));
    row.dataset.ts = item.ts;
    row.appendChild(el("div", "avatar", (item.author || "?").slice(0, 1).toUpperCase()));
    const body = row.appendChild(el("div", "body"));
    const meta = body.appendChild(el("div", "meta"));
    meta.appendChild(el("span", "author", item.author));
    meta.appendChild(el("span", "app-tag", "APP"));
    meta.appendChild(el("span", "time", time(item.ts)));
    if (item.edited) meta.appendChild(el("span", "edited", "(edited)"));
    if (item.ephemeral) body.appendChild(el("div", "only-you", "Only visible to you"));
    const where = item.ephemeral ? {} : { onClick: (actionId, b) => click(channel, item.ts, actionId, b) };
    body.appendChild(item.blocks.length ? blocks(item.blocks, where) : text({ nodes: item.nodes }));
    if (item.replies.length) {
      const count = item.replies.length;
      body.appendChild(el("div", "thread-count", `${count} ${count === 1 ? "reply" : "replies"}`));
      const thread = body.appendChild(el("div", "thread"));
      for (const reply of item.replies) thread.appendChild(message(reply, channel));
    }
    return row;
  }

  function countOf(channel) {
    return channel.messages.reduce((sum, m) => sum + 1 + m.replies.length, 0);
  }

  function render() {
    const data = page.data;
    $("team-name").textContent = data.team;
    const viewer = $("viewer");
    if (!viewer.options.length) {
      for (const user of data.users) viewer.appendChild(el("option", "", user.real_name)).value = user.id;
    }
    viewer.value = page.viewer;
    const current = data.channels.find((c) => c.id === page.channel) || data.channels[0];
    page.channel = current.id;
    page.seen[current.id] = countOf(current);

    const list = $("channels");
    list.replaceChildren();
    for (const channel of data.channels) {
      const b = list.appendChild(el("li")).appendChild(el("button"));
      b.type = "button";
      b.dataset.channel = channel.id;
      b.appendChild(el("span", "", "# " + channel.name));
      const unread = countOf(channel) - (page.seen[channel.id] || 0);
      if (unread > 0) {
        b.classList.add("unread");
        b.appendChild(el("span", "badge", String(unread)));
      }
      b.setAttribute("aria-current", String(channel.id === current.id));
      b.addEventListener("click", () => select(channel.id));
    }

    $("channel-title").textContent = "# " + current.name;
    $("command").placeholder = `Message #${current.name} — run a slash command, e.g. /leads pending`;
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    const scrollTop = box.scrollTop;
    box.replaceChildren(...current.messages.map((m) => message(m, current.id)));
    $("empty").hidden = current.messages.length > 0;
    // an answer meant for the viewer (a command's reply) is brought into view
    const mine = current.messages.filter((m) => m.ephemeral).map((m) => m.ts).pop() || "";
    const newForViewer = mine > (page.latestEphemeral[current.id] || "");
    page.latestEphemeral[current.id] = mine;
    box.scrollTop = atBottom || newForViewer ? box.scrollHeight : scrollTop;
    renderModal(data.view);
  }

  // -- modal -------------------------------------------------------------

  function renderModal(view) {
    const key = view ? `${view.id}:${view.hash}` : null;
    if (key === page.modalKey) return;
    page.modalKey = key;
    const root = $("modal-root");
    root.replaceChildren();
    if (!view) return;
    const overlay = root.appendChild(el("div", "overlay"));
    const form = overlay.appendChild(el("form", "modal"));
    form.setAttribute("role", "dialog");
    form.setAttribute("aria-modal", "true");
    form.setAttribute("aria-label", plain(view.title, "Modal"));
    form.appendChild(el("div", "modal-head", plain(view.title, "")));
    form.appendChild(el("div", "modal-body")).appendChild(blocks(view.blocks, {}));
    const error = form.appendChild(el("div", "modal-error"));
    error.hidden = true;
    const foot = form.appendChild(el("div", "modal-foot"));
    const cancel = foot.appendChild(el("button", "btn", plain(view.close, "Cancel")));
    cancel.type = "button";
    cancel.addEventListener("click", () => act("close", { user: page.viewer, view_id: view.id }));
    if (view.submit) {
      foot.appendChild(el("button", "btn primary", plain(view.submit, "Submit"))).type = "submit";
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit(form, view, error);
    });
    const first = form.querySelector("select, input, textarea");
    if (first) first.focus();
  }

  async function submit(form, view, error) {
    const values = {};
    for (const control of form.querySelectorAll("[data-action-id]")) {
      if (control.value) values[control.dataset.actionId] = control.value;
    }
    for (const message of form.querySelectorAll(".input-error")) message.hidden = true;
    error.hidden = true;
    const result = await act("submit", { user: page.viewer, view_id: view.id, values });
    for (const [blockId, text] of Object.entries(result.errors || {})) {
      const message = form.querySelector(`.input-block[data-block-id="${CSS.escape(blockId)}"] .input-error`);
      if (message) Object.assign(message, { textContent: text, hidden: false });
    }
    if (!result.ok) Object.assign(error, { textContent: result.error || "Something went wrong", hidden: false });
  }

  // -- talking to the server ---------------------------------------------

  async function act(kind, body) {
    let result;
    try {
      const response = await fetch(`/sandbox/act/${kind}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      result = await response.json();
    } catch (failure) {
      result = { ok: false, error: `the server did not answer (${failure.message})` };
    }
    if (result.status) {
      $("last-request").textContent = `${kind} → /slack/events: ${result.status} in ${result.ms} ms`;
    }
    if (!result.ok) toast(result.error || "Something went wrong", true);
    return result;
  }

  async function click(channel, ts, actionId, b) {
    b.disabled = true;
    try {
      await act("click", { user: page.viewer, channel, ts, action_id: actionId });
    } finally {
      b.disabled = false;
    }
  }

  function toast(message, isError) {
    const box = $("toast");
    Object.assign(box, { textContent: message, hidden: false, className: "toast" + (isError ? " error" : "") });
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  async function refresh() {
    if (page.refreshing) {
      page.dirty = true;
      return;
    }
    page.refreshing = true;
    try {
      const response = await fetch(`/sandbox/state?user=${encodeURIComponent(page.viewer)}`);
      if (response.ok) {
        page.data = await response.json();
        render();
      }
    } catch (failure) {
      setLive(false);
    } finally {
      page.refreshing = false;
      if (page.dirty) {
        page.dirty = false;
        refresh();
      }
    }
  }

  function scheduleRefresh() {
    clearTimeout(page.timer);
    page.timer = setTimeout(refresh, 50);
  }

  function setLive(live) {
    const status = $("connection");
    status.textContent = live ? "live" : "reconnecting… (polling)";
    status.classList.toggle("live", live);
    clearInterval(page.poller);
    page.poller = live ? null : setInterval(refresh, POLL_MS);
  }

  function connect() {
    if (!window.EventSource) {
      setLive(false);
      return;
    }
    // The server ends each stream after a while and the browser reconnects at
    // once; only a connection that stays down switches to polling.
    let down = null;
    const source = new EventSource("/sandbox/stream");
    source.addEventListener("ready", () => {
      clearTimeout(down);
      setLive(true);
      refresh();
    });
    source.addEventListener("change", scheduleRefresh);
    source.addEventListener("error", () => {
      clearTimeout(down);
      down = setTimeout(() => setLive(false), 3000);
    });
  }

  function select(channelId) {
    page.channel = channelId;
    localStorage.setItem("sandbox.channel", channelId);
    render();
    $("messages").scrollTop = $("messages").scrollHeight;
  }

  $("viewer").addEventListener("change", (event) => {
    page.viewer = event.target.value;
    localStorage.setItem("sandbox.viewer", page.viewer);
    page.modalKey = null;
    refresh();
  });

  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("command");
    const line = input.value.trim();
    if (!line) return;
    const result = await act("command", { user: page.viewer, channel: page.channel, text: line });
    if (result.ok) input.value = "";
  });

  refresh();
  connect();
})();
