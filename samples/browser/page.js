// Runs inside the page. fit() trims each article's body flow to its module; measure() reads the truth from the
// laid-out DOM. Coordinates are CSS pixels from the page's top left. Markup contract (samples/browser/markup.py):
//   [data-region=TYPE]   a text region (all text inside is its own), or TYPE=figure on an <img>;
//   [data-box=border]    its box is its border box, not the ink of its lines (advertisements);
//   [data-flow]          a multi-column body: its <p data-region=body> are cut into one region per column piece;
//   [data-article=ID]    every region inside belongs to article ID;
//   [data-optional=N]    may be dropped (lowest N first) when the module is too small to hold any body text;
//   [data-jump]          the "continued on" line, kept at the end of a cut flow and dropped from an uncut one;
//   [data-fit]           shrunk until it is no wider (or, for advertisements, taller) than its box.
(() => {
  const SHY = "\u00ad";
  const range = document.createRange();
  const px = (v) => parseFloat(v) || 0;

  function textChars(el) {
    const out = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.data.length; i++) out.push([node, i]);
    }
    return out;
  }

  function charRect(node, i) {
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    for (const r of range.getClientRects()) if (r.width > 0 && r.height > 0) return r;
    return null;
  }

  function visibleChars(el) {
    return textChars(el).filter(([n, i]) => !/\s/.test(n.data[i]) && n.data[i] !== SHY);
  }

  // Printed lines of an element: visible characters grouped by vertical overlap, in document order. A line broken
  // at a soft hyphen ends in "-", as printed.
  function lines(el) {
    const out = [];
    let cur = null, space = false, shy = false;
    for (const [node, i] of textChars(el)) {
      const ch = node.data[i];
      if (ch === SHY) { shy = true; continue; }
      if (/\s/.test(ch)) { space = true; continue; }
      const r = charRect(node, i);
      if (!r) continue;
      let fresh = !cur;
      if (cur) {
        const overlap = Math.min(r.bottom, cur.lastBottom) - Math.max(r.top, cur.lastTop);
        fresh = overlap < 0.5 * Math.min(r.height, cur.lastBottom - cur.lastTop) || r.left < cur.lastLeft - 1;
      }
      if (fresh) {
        if (cur && shy) cur.text += "-";
        cur = { text: "", x0: r.left, y0: r.top, x1: r.right, y1: r.bottom };
        out.push(cur);
      } else if (space) {
        cur.text += " ";
      }
      cur.text += ch;
      cur.x0 = Math.min(cur.x0, r.left); cur.y0 = Math.min(cur.y0, r.top);
      cur.x1 = Math.max(cur.x1, r.right); cur.y1 = Math.max(cur.y1, r.bottom);
      cur.lastTop = r.top; cur.lastBottom = r.bottom; cur.lastLeft = r.left;
      space = false; shy = false;
    }
    return out.map((l) => ({ text: l.text, box: [l.x0, l.y0, l.x1, l.y1] }));
  }

  function contentBox(el) {
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    return {
      left: r.left + px(cs.borderLeftWidth) + px(cs.paddingLeft),
      right: r.right - px(cs.borderRightWidth) - px(cs.paddingRight),
      top: r.top + px(cs.borderTopWidth) + px(cs.paddingTop),
      bottom: r.bottom - px(cs.borderBottomWidth) - px(cs.paddingBottom),
    };
  }

  const outside = (r, box) => r.right > box.right + 1 || r.bottom > box.bottom + 1 || r.left < box.left - 1;

  function overflows(el, box) {
    if (el.tagName === "P") {
      const chars = visibleChars(el);
      if (!chars.length) return false;
      const r = charRect(...chars[chars.length - 1]);
      return !r || outside(r, box);
    }
    const rects = [...el.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    return rects.length === 0 || rects.some((r) => outside(r, box));
  }

  const SENTENCE_END = /[。！？!?.][”’"」）)]*(?=\s|$)|[。！？][”’"」）)]*/g;

  // Cut a paragraph after its last sentence that ends inside the box; false when not even one fits.
  function cutParagraph(p, box) {
    const chars = textChars(p);
    const visible = chars.map(([n, i], k) => [n, i, k]).filter(([n, i]) => !/\s/.test(n.data[i]) && n.data[i] !== SHY);
    let lo = 0, hi = visible.length;  // first visible character outside the box
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const r = charRect(visible[mid][0], visible[mid][1]);
      if (!r || outside(r, box)) hi = mid; else lo = mid + 1;
    }
    if (lo >= visible.length) return true;
    const limit = visible[lo][2];  // flat offset of the first character that does not fit
    const flat = chars.map(([n, i]) => n.data[i]).join("");
    let end = 0;
    for (const m of flat.matchAll(SENTENCE_END)) if (m.index + m[0].length <= limit) end = m.index + m[0].length;
    const label = p.querySelector("b");
    if (end === 0 || (label && end <= label.textContent.length)) return false;
    truncate(p, end);
    return true;
  }

  // Keep the first `end` characters of an element's text, dropping the text nodes after them.
  function truncate(el, end) {
    let kept = 0;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const nodes = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
    for (const node of nodes) {
      const room = end - kept;
      if (room <= 0) { node.remove(); continue; }
      if (node.data.length > room) node.data = node.data.slice(0, room);
      kept += node.data.length;
    }
  }

  // Drop the last sentence of the flow's last paragraph (the whole paragraph when it has one sentence).
  function dropLastSentence(flow) {
    const ps = flow.querySelectorAll(":scope > p");
    const p = ps[ps.length - 1];
    if (!p) return false;
    const flat = p.textContent;
    const ends = [...flat.matchAll(SENTENCE_END)].map((m) => m.index + m[0].length)
      .filter((e) => e < flat.trimEnd().length);
    const label = p.querySelector("b");
    const keep = ends.length ? ends[ends.length - 1] : 0;
    if (keep === 0 || (label && keep <= label.textContent.length)) p.remove();
    else truncate(p, keep);
    return true;
  }

  // Trim a body flow to its box; returns whether anything was cut.
  function fitFlow(flow) {
    const jump = flow.querySelector(":scope > [data-jump]");
    let cut = false;
    for (let round = 0; round < 60; round++) {
      const box = contentBox(flow);
      const children = [...flow.children].filter((c) => c !== jump);
      const index = children.findIndex((c) => overflows(c, box));
      if (index >= 0) {
        const child = children[index];
        // A picture, quote or box that finds no room goes; the text after it flows up into its place.
        if (child.tagName !== "P") { child.remove(); continue; }
        cut = true;
        for (const later of children.slice(index + 1)) later.remove();
        if (!cutParagraph(child, box)) child.remove();
        continue;
      }
      if (jump && cut && overflows(jump, box)) {
        if (!dropLastSentence(flow)) break;
        continue;
      }
      break;
    }
    if (jump && !cut) jump.remove();
    return cut;
  }

  function shrink(el, tooBig) {
    for (let k = 0; k < 30 && tooBig(el); k++) {
      for (const part of [el, ...el.querySelectorAll("*")]) {
        part.style.fontSize = `${px(getComputedStyle(part).fontSize) * 0.92}px`;
      }
    }
  }

  // Whether every region outside the body flow shows whole inside the module (its overflow: hidden would clip it).
  function headFits(module, flow) {
    const r = module.getBoundingClientRect(), cs = getComputedStyle(module);
    const right = r.right - px(cs.borderRightWidth) + 0.5, bottom = r.bottom - px(cs.borderBottomWidth) + 0.5;
    return [...module.querySelectorAll("[data-region]")].filter((e) => !flow || !flow.contains(e)).every((e) => {
      const box = e.getBoundingClientRect();
      return box.right <= right && box.bottom <= bottom;
    });
  }

  // Fit one module: its body flow trimmed to the room left, optional parts dropped (lowest rank first) and then
  // the headline made smaller while not even one paragraph fits. False when nothing helps.
  function fitModule(module) {
    for (const el of module.querySelectorAll("[data-fit]")) {
      if (el.dataset.fit === "box") {
        shrink(el, (e) => e.scrollHeight > e.clientHeight + 0.5 || e.scrollWidth > e.clientWidth + 0.5);
      } else {
        shrink(el, (e) => e.scrollWidth > e.clientWidth + 0.5);
      }
    }
    const flow = module.querySelector("[data-flow]");
    const original = flow ? flow.innerHTML : "";
    const head = module.querySelector("[data-region=headline]");
    const smallest = 1.25 * px(getComputedStyle(flow || module).fontSize);
    const dropped = new Set();
    for (let attempt = 0; attempt < 40; attempt++) {
      const cut = flow ? fitFlow(flow) : false;
      if (headFits(module, flow) && (!flow || flow.querySelector(":scope > p[data-region=body]"))) {
        if (flow && !cut) flow.style.columnFill = "balance";
        return true;
      }
      if (flow) flow.innerHTML = original;
      const optional = [...module.querySelectorAll("[data-optional]")].filter((e) => !dropped.has(e.dataset.optionalId));
      if (optional.length) {
        optional.sort((a, b) => a.dataset.optional - b.dataset.optional);
        dropped.add(optional[0].dataset.optionalId);
      } else if (head && px(getComputedStyle(head).fontSize) > smallest + 0.1) {
        head.style.fontSize = `${Math.max(smallest, px(getComputedStyle(head).fontSize) * 0.85)}px`;
      } else {
        return false;
      }
      for (const e of [...module.querySelectorAll("[data-optional]")]) if (dropped.has(e.dataset.optionalId)) e.remove();
    }
    return false;
  }

  function fit() {
    for (const el of document.querySelectorAll(".page > *:not(.grid) [data-fit], .page > [data-fit]")) {
      shrink(el, (e) => e.scrollWidth > e.clientWidth + 0.5);
    }
    const failed = [];
    for (const module of document.querySelectorAll(".module")) {
      if (!fitModule(module)) failed.push(module.dataset.article || "advertisement");
    }
    return failed;
  }

  const clean = (text) => text.replaceAll(SHY, "").replace(/\s+/g, " ").trim();
  const union = (boxes) => [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])),
    Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];

  function separators() {
    const out = [];
    for (const el of document.querySelectorAll(".page, .page *")) {
      const cs = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const sides = {
        Top: [r.left, r.top, r.right, r.top + px(cs.borderTopWidth)],
        Bottom: [r.left, r.bottom - px(cs.borderBottomWidth), r.right, r.bottom],
        Left: [r.left, r.top, r.left + px(cs.borderLeftWidth), r.bottom],
        Right: [r.right - px(cs.borderRightWidth), r.top, r.right, r.bottom],
      };
      for (const [side, box] of Object.entries(sides)) {
        if (cs[`border${side}Style`] !== "none" && px(cs[`border${side}Width`]) > 0) out.push(box);
      }
    }
    return out;
  }

  // Column rules of a flow, between column pieces that hold text, as tall as the taller of the two.
  function columnRules(flow, pieces) {
    const cs = getComputedStyle(flow);
    if (cs.columnRuleStyle === "none" || px(cs.columnRuleWidth) === 0) return [];
    const width = px(cs.columnRuleWidth), box = contentBox(flow);
    const count = parseInt(cs.columnCount, 10) || 1, gap = px(cs.columnGap);
    const column = (box.right - box.left - (count - 1) * gap) / count;
    const out = [];
    for (let k = 1; k < count; k++) {
      const x = box.left + k * column + (k - 0.5) * gap;
      const beside = pieces.filter((p) => p.column === k - 1 || p.column === k);
      if (!pieces.some((p) => p.column === k)) continue;
      out.push([x - width / 2, Math.min(...beside.map((p) => p.box[1])), x + width / 2,
        Math.max(...beside.map((p) => p.box[3]))]);
    }
    return out;
  }

  function measure() {
    const regions = [];
    const rules = [];
    let piece = null;
    const flowPieces = new Map();

    function columnOf(flow, box) {
      const cs = getComputedStyle(flow), b = contentBox(flow);
      const count = parseInt(cs.columnCount, 10) || 1, gap = px(cs.columnGap);
      const column = (b.right - b.left - (count - 1) * gap) / count;
      const centre = (box[0] + box[2]) / 2 - b.left;
      return Math.max(0, Math.min(count - 1, Math.floor((centre + gap / 2) / (column + gap))));
    }

    function visit(el) {
      const type = el.dataset.region;
      if (!type) { for (const child of el.children) visit(child); return; }
      const articleEl = el.closest("[data-article]");
      const article = articleEl ? articleEl.dataset.article : null;
      const flow = type === "body" ? el.closest("[data-flow]") : null;
      if (flow) {
        if (!flowPieces.has(flow)) flowPieces.set(flow, []);
        for (const line of lines(el)) {
          const column = columnOf(flow, line.box);
          if (!piece || piece.flow !== flow || piece.column !== column || line.box[1] < piece.box[1] - 1) {
            piece = { type, article, flow, column, lines: [], box: line.box.slice() };
            regions.push(piece);
            flowPieces.get(flow).push(piece);
          }
          piece.lines.push(line);
          piece.box = union([piece.box, line.box]);
        }
        return;
      }
      piece = null;
      if (type === "figure") {
        const r = el.getBoundingClientRect();
        regions.push({ type, article, lines: [], box: [r.left, r.top, r.right, r.bottom] });
        return;
      }
      const found = lines(el);
      if (!found.length) return;
      let box = union(found.map((l) => l.box));
      if (el.dataset.box === "border") {
        const r = el.getBoundingClientRect();
        box = [r.left, r.top, r.right, r.bottom];
      }
      regions.push({ type, article, lines: found, box });
    }
    visit(document.querySelector(".page"));
    for (const [flow, pieces] of flowPieces) rules.push(...columnRules(flow, pieces));

    const articles = [...document.querySelectorAll("[data-article]")].map((el) => ({
      id: el.dataset.article,
      headline: clean(el.querySelector("[data-region=headline]")?.textContent || ""),
      paragraphs: [...el.querySelectorAll("p[data-region=body]")].map((p) => clean(p.textContent)).filter(Boolean),
    }));
    const page = document.querySelector(".page").getBoundingClientRect();
    // Text the page clips would be truth that no one can see: report any line outside its module or the page.
    const clipped = [];
    for (const region of regions) {
      const module = region.lines.length ? document.querySelector(`[data-article="${region.article}"]`) : null;
      const frame = module ? module.getBoundingClientRect() : page;
      for (const line of region.lines) {
        const [x0, y0, x1, y1] = line.box;
        const slack = 1 + 0.25 * (y1 - y0);  // a character's box is its font's full height, taller than its ink
        if (x0 < frame.left - slack || y0 < frame.top - slack || x1 > frame.right + slack || y1 > frame.bottom + slack) {
          clipped.push(line.text);
        }
      }
    }
    return {
      clipped,
      width: page.width, height: page.height,
      regions: regions.map((r) => ({ type: r.type, article: r.article, box: r.box,
        text: r.lines.map((l) => l.text).join("\n"), lines: r.lines })),
      separators: [...separators(), ...rules],
      articles,
    };
  }

  window.browserPage = { fit, measure };
})();
