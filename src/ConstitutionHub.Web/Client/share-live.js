// The public share page's script: copy buttons for every link, and for a live link the text as it is written.
// The page is complete without it (server-rendered); this only adds to it. No Blazor circuit runs here.
import { HubConnectionBuilder, LogLevel } from "@microsoft/signalr";

const root = document.querySelector("[data-share]");
if (root) {
  setUpCopyButtons(root);
  if (root.dataset.mode === "live") follow(root);
}

function setUpCopyButtons(root) {
  const status = root.querySelector("[data-copied]");
  const say = (text) => { if (status) status.textContent = text; };
  const copy = async (text, done) => {
    try { await navigator.clipboard.writeText(text); say(done); }
    catch { say("Your browser refused to copy; select the text instead."); }
  };
  const link = root.querySelector("[data-copy-link]");
  if (link) {
    link.hidden = false;
    link.addEventListener("click", () => copy(location.href.split("#")[0], "Link copied."));
  }
  const markdown = root.querySelector("[data-copy-markdown]");
  if (markdown) {
    markdown.hidden = false;
    markdown.addEventListener("click", async () => {
      const response = await fetch(`/s/${root.dataset.token}.md`, { credentials: "omit", referrerPolicy: "no-referrer" });
      if (!response.ok) return say("This link no longer works.");
      await copy(await response.text(), "Markdown copied.");
    });
  }
}

function follow(root) {
  const token = root.dataset.token;
  const thread = root.querySelector("[data-thread]");
  let seq = Number(root.dataset.seq || 0);
  let gone = false;
  let refetching = false;

  const connection = new HubConnectionBuilder()
    .withUrl("/hubs/share")
    .withAutomaticReconnect([0, 1000, 2000, 5000, 10000])
    .configureLogging(LogLevel.Warning)
    .build();

  connection.on("update", (update) => apply(update));
  connection.on("viewers", (count) => showViewers(count));
  connection.on("gone", () => end());
  connection.onreconnected(() => join());
  connection.onclose(() => { if (!gone) setStatus("Disconnected; reload the page to follow the chat again."); });

  async function join() {
    try {
      const state = await connection.invoke("Join", token);
      // The join answer is the whole branch at its version: overlaps with what the page shows are dropped.
      apply(state, true);
    } catch {
      end();
    }
  }

  function apply(update, fromJoin = false) {
    if (gone) return;
    if (typeof update.viewers === "number" && update.viewers > 0) showViewers(update.viewers);
    if (!fromJoin && update.seq <= seq) return; // a duplicate
    if (update.reset) return refetch();
    for (const m of update.messages) {
      if (!applyMessage(m)) return refetch();
    }
    seq = Math.max(seq, update.seq);
    root.dataset.seq = String(seq);
  }

  // Appends the part of m.text not yet shown. False when m starts beyond what is shown: a delta went missing.
  function applyMessage(m) {
    let item = thread.querySelector(`[data-message-id="${m.id}"]`);
    if (!item) {
      if (m.offset !== 0) return false;
      item = newMessage(m);
    }
    const known = Number(item.dataset.length || 0);
    if (m.offset > known) return false;
    const skip = known - m.offset;
    const body = item.querySelector("[data-text]");
    let plain = body.querySelector("[data-plain]");
    if (skip < m.text.length) {
      if (!plain) {
        plain = document.createElement("p");
        plain.className = "share-plain";
        plain.dataset.plain = "";
        body.replaceChildren(plain);
      }
      plain.textContent += m.text.slice(skip);
      item.dataset.length = String(m.offset + m.text.length);
    }
    if (m.status !== item.dataset.status) {
      item.dataset.status = m.status;
      const typing = item.querySelector(".share-typing");
      if (m.status !== "streaming" && typing) typing.remove();
    }
    // A finished message is shown as rendered Markdown (from the server's inert renderer) once its text is all here.
    if (m.status !== "streaming" && m.html != null && Number(item.dataset.length) === m.offset + m.text.length) {
      body.innerHTML = m.html;
    }
    return true;
  }

  function newMessage(m) {
    root.querySelector("[data-empty]")?.remove();
    const item = document.createElement("li");
    item.className = `share-msg share-${m.role}`;
    item.dataset.messageId = m.id;
    item.dataset.role = m.role;
    item.dataset.status = m.status;
    item.dataset.length = "0";
    const speaker = document.createElement("div");
    speaker.className = "share-speaker";
    speaker.textContent = m.speaker + " ";
    if (m.status === "streaming") {
      const typing = document.createElement("span");
      typing.className = "share-typing";
      typing.textContent = "writing…";
      speaker.append(typing);
    }
    const body = document.createElement("div");
    body.className = "share-text";
    body.dataset.text = "";
    item.append(speaker, body);
    thread.append(item);
    return item;
  }

  // A gap or a new branch: the page is rebuilt from the server's current state.
  async function refetch() {
    if (refetching) return;
    refetching = true;
    try {
      const response = await fetch(location.pathname, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return end();
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("[data-thread]");
      if (fresh) thread.replaceChildren(...fresh.childNodes);
      seq = Number(page.querySelector("[data-share]")?.dataset.seq || seq);
      root.dataset.seq = String(seq);
    } finally {
      refetching = false;
    }
  }

  function showViewers(count) {
    const line = root.querySelector("[data-viewers-line]");
    const number = root.querySelector("[data-viewers]");
    if (!line || !number) return;
    number.textContent = String(count);
    line.hidden = false;
  }

  function setStatus(text) {
    const status = root.querySelector("[data-live-status]");
    if (status) status.textContent = text;
  }

  // Revoked or expired: nothing of the chat stays on the page.
  function end() {
    if (gone) return;
    gone = true;
    root.replaceChildren();
    root.classList.add("share-gone");
    const h1 = document.createElement("h1");
    h1.className = "share-title";
    h1.textContent = "This link does not exist or no longer works";
    const p = document.createElement("p");
    p.textContent = "It may have been revoked by the person who shared it, or it may have expired.";
    root.append(h1, p);
    document.title = "Link not found · ConstitutionHub";
    connection.stop();
  }

  connection.start().then(join).catch(() => setStatus("Could not connect for live updates; reload to try again."));
}
