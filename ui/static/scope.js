// Staff include or exclude one policy from the timeliness check, then see the report again.
// The session cookie alone is not enough for a change: the page's CSRF token goes with it.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
const reason = document.getElementById("scope-reason");
document.querySelectorAll("button.scope").forEach((button) => {
  button.addEventListener("click", async () => {
    const response = await fetch(`/api/reports/timeliness/scope/${button.dataset.id}`, {
      method: "PUT",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ include: button.dataset.include === "true", reason: reason ? reason.value : "" }),
    });
    if (response.ok) {
      window.location.reload();
    } else {
      button.textContent = "操作失败";
    }
  });
});
