// Link the overlay and the region cards: hover one to highlight the other, click a shape to jump to its text.
"use strict";
(function () {
  const cards = new Map();
  document.querySelectorAll(".region-card").forEach((card) => cards.set(card.dataset.region, card));
  const shapes = new Map();
  document.querySelectorAll(".overlay .region").forEach((g) => shapes.set(g.dataset.region, g));

  function hot(id, on) {
    const card = cards.get(id), shape = shapes.get(id);
    if (card) card.classList.toggle("hot", on);
    if (shape) shape.classList.toggle("hot", on);
  }
  shapes.forEach((g, id) => {
    g.addEventListener("mouseenter", () => hot(id, true));
    g.addEventListener("mouseleave", () => hot(id, false));
    g.addEventListener("click", () => {
      const card = cards.get(id);
      if (card) card.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });
  cards.forEach((card, id) => {
    card.addEventListener("mouseenter", () => hot(id, true));
    card.addEventListener("mouseleave", () => hot(id, false));
  });
  // A flag or article link may name a line or a region: highlight the region either way.
  document.querySelectorAll(".goto").forEach((a) => a.addEventListener("click", () => {
    const target = a.dataset.target || "";
    const id = [...cards.keys()].find((rid) => target === rid || target.startsWith(rid + "-l"));
    if (id) { hot(id, true); setTimeout(() => hot(id, false), 1500); }
  }));
  const toggle = document.getElementById("show-lines");
  if (toggle) {
    const apply = () => document.body.classList.toggle("show-lines", toggle.checked);
    toggle.addEventListener("change", apply);
    apply();
  }
})();
