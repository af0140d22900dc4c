// Applies a saved light/dark choice before the first paint (loaded without defer).
try {
  var saved = localStorage.getItem("echodash-theme");
  if (saved === "dark" || saved === "light") document.documentElement.dataset.theme = saved;
} catch (e) {}
