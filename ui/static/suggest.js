// As-you-type suggestions for the search box from /api/suggest (units, 文号, titles).
(() => {
  const input = document.querySelector('.searchbox input[name="q"]');
  const list = document.getElementById("suggestions");
  if (!input || !list) return;
  let timer = null;
  let controller = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = input.value.trim();
      if (text.length < 2) { list.replaceChildren(); return; }
      if (controller) controller.abort();
      controller = new AbortController();
      try {
        const response = await fetch(`/api/suggest?q=${encodeURIComponent(text)}`, { signal: controller.signal });
        const suggestions = await response.json();
        list.replaceChildren(...suggestions.map((s) => {
          const option = document.createElement("option");
          option.value = s.kind === "unit" ? s.text.split("（")[0] : s.text;
          option.label = { unit: "单位", doc_number: "文号", title: "标题" }[s.kind] || "";
          return option;
        }));
      } catch (error) {
        if (error.name !== "AbortError") list.replaceChildren();
      }
    }, 150);
  });
})();
