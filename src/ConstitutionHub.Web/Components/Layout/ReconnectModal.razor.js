// Shows and hides the reconnect dialog as blazor.web.js reports the circuit's state, and drives its buttons.
const dialog = document.getElementById("components-reconnect-modal");
dialog.addEventListener("components-reconnect-state-changed", onStateChanged);
document.getElementById("components-reconnect-button").addEventListener("click", retry);
document.getElementById("components-resume-button").addEventListener("click", resume);
document.getElementById("components-reload-button").addEventListener("click", () => location.reload());

function onStateChanged(event) {
  const state = event.detail.state;
  if (state === "show") {
    if (!dialog.open) dialog.showModal();
  } else if (state === "hide") {
    dialog.close();
  } else if (state === "failed") {
    // A laptop lid or a phone in a pocket: try again as soon as the page is looked at.
    document.addEventListener("visibilitychange", retryWhenVisible);
  } else if (state === "rejected") {
    // The server no longer knows this circuit; only a reload brings the page back.
    location.reload();
  }
}

async function retry() {
  document.removeEventListener("visibilitychange", retryWhenVisible);
  try {
    if (await Blazor.reconnect()) return;
    // Reached the server, but it dropped the circuit: resume from the state it kept, else reload.
    if (await Blazor.resumeCircuit()) dialog.close();
    else location.reload();
  } catch {
    document.addEventListener("visibilitychange", retryWhenVisible);
  }
}

async function resume() {
  try {
    if (!(await Blazor.resumeCircuit())) location.reload();
  } catch {
    dialog.classList.replace("components-reconnect-paused", "components-reconnect-resume-failed");
  }
}

async function retryWhenVisible() {
  if (document.visibilityState === "visible") await retry();
}
