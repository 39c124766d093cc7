// Print buttons: <button data-print>. A file, not an onclick attribute: the pages' Content-Security-Policy
// runs only scripts served from our own origin.
document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
