// Staff include or exclude one policy from the timeliness check, then see the report again.
document.querySelectorAll("button.scope").forEach((button) => {
  button.addEventListener("click", async () => {
    const response = await fetch(`/api/reports/timeliness/scope/${button.dataset.id}`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ include: button.dataset.include === "true" }),
    });
    if (response.ok) {
      window.location.reload();
    } else {
      button.textContent = "操作失败";
    }
  });
});
