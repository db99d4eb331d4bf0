"use strict";
// Everything from the articles arrives as JSON and is put on the page with textContent only.
const DATA = JSON.parse(document.getElementById("provenance-data").textContent);
const DOCS = DATA.documents;
const BLOCK_LIMIT = 400;
const EDGE_COLORS = { attributed: "#7a5195", copied: "#d1495b", rewrote: "#edae49",
                      common_source: "#00798c", undecided: "#9aa5b1" };

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key === "onclick") node.addEventListener("click", value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === "string" || typeof child === "number"
      ? document.createTextNode(String(child)) : child);
  }
  return node;
}
function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  return node;
}
function fmt(x) { return Number(x).toFixed(3); }
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
function docLabel(i) {
  const d = DOCS[i];
  return d.id + (d.outlet ? " (" + d.outlet + ")" : "");
}

// --- summary ------------------------------------------------------------------------------
document.getElementById("summary").textContent =
  DOCS.length + " documents, " + DATA.pairs.length + " similar pairs, " +
  DATA.passages.length + " passages, " + DATA.graph.total_edges + " provenance edges, " +
  DATA.skipped.length + " inputs skipped. Shingles " + DATA.config.shingle + ", " +
  DATA.config.num_perm + " permutations, near-duplicate threshold " + DATA.config.threshold +
  ". provenance " + DATA.version + ".";

// --- heat map -----------------------------------------------------------------------------
const items = DATA.items;
const n = items.length;
const block = Math.max(1, Math.ceil(n / BLOCK_LIMIT));
const nb = Math.ceil(n / block);
const cellPx = Math.max(2, Math.min(48, Math.floor(640 / Math.max(1, nb))));
const grid = new Float32Array(nb * nb);
const gridPairs = new Map();
for (const [i, j, value, pairs] of DATA.cells) {
  const bi = Math.floor(i / block), bj = Math.floor(j / block);
  for (const [x, y] of [[bi, bj], [bj, bi]]) {
    grid[x * nb + y] = Math.max(grid[x * nb + y], value);
    const key = Math.min(x, y) + ":" + Math.max(x, y);
    if (!gridPairs.has(key)) gridPairs.set(key, new Set());
    for (const p of pairs) gridPairs.get(key).add(p);
  }
}
// The colour scale runs from 0 to the highest similarity between two different rows, so that
// a corpus without near-duplicates still shows who resembles whom; the legend gives the top.
let vmax = 0;
for (let x = 0; x < nb; x++) for (let y = 0; y < nb; y++) if (x !== y || block > 1) vmax = Math.max(vmax, grid[x * nb + y]);
vmax = Math.max(vmax, 0.01);
function color(v) {
  const t = Math.sqrt(Math.max(0, Math.min(1, v / vmax)));  // small overlaps stay visible
  const from = [255, 255, 255], to = [8, 48, 107];
  const c = from.map((f, k) => Math.round(f + (to[k] - f) * t));
  return "rgb(" + c.join(",") + ")";
}
const canvas = document.getElementById("heatmap");
canvas.width = nb * cellPx;
canvas.height = nb * cellPx;
canvas.dataset.cell = String(cellPx);
canvas.dataset.blocks = String(nb);
canvas.dataset.block = String(block);
const ctx = canvas.getContext("2d");
ctx.fillStyle = "#fff";
ctx.fillRect(0, 0, canvas.width, canvas.height);
for (let x = 0; x < nb; x++) {
  for (let y = 0; y < nb; y++) {
    const v = grid[x * nb + y];
    if (x === y && block === 1 && DATA.by === "document") { ctx.fillStyle = "#c9ced6"; }
    else if (v <= 0) continue;
    else ctx.fillStyle = color(v);
    ctx.fillRect(y * cellPx, x * cellPx, cellPx, cellPx);
  }
}
const legend = document.getElementById("legend-bar").getContext("2d");
for (let k = 0; k < 200; k++) { legend.fillStyle = color(vmax * k / 199); legend.fillRect(k, 0, 1, 12); }
document.getElementById("legend-max").textContent = fmt(vmax);
if (block === 1 && n <= 60) {  // a key to the rows: #k is the k-th row and column
  const key = el("ol", { id: "matrix-key" });
  for (const item of items) key.appendChild(el("li", {}, item.label));
  canvas.parentElement.appendChild(key);
  ctx.fillStyle = "#1d2430";
  ctx.font = Math.min(12, cellPx - 4) + "px sans-serif";
  if (cellPx >= 14) for (let k = 0; k < nb; k++) ctx.fillText(String(k + 1), k * cellPx + 3, k * cellPx + cellPx - 4);
}
document.getElementById("legend-label").textContent = DATA.by === "outlet"
  ? "highest Jaccard between the two outlets' articles" : "Jaccard similarity of shingle sets";
document.getElementById("matrix-hint").textContent = (DATA.by === "outlet"
  ? n + " outlets" : n + " documents") + (block > 1
  ? ", grouped " + block + " to a cell (a cell shows its most similar pair; click it for the list)"
  : "") + ", ordered so that similar ones sit together. Hover for the numbers, click for passages.";

function itemRange(b) {
  const lo = b * block, hi = Math.min(n, lo + block) - 1;
  return lo === hi ? items[lo].label : items[lo].label + " … " + items[hi].label + " (" + (hi - lo + 1) + ")";
}
function cellAt(event) {
  const rect = canvas.getBoundingClientRect();
  const x = Math.floor((event.clientY - rect.top) * canvas.height / rect.height / cellPx);
  const y = Math.floor((event.clientX - rect.left) * canvas.width / rect.width / cellPx);
  if (x < 0 || y < 0 || x >= nb || y >= nb) return null;
  return [x, y];
}
function pairsIn(x, y) {
  const set = gridPairs.get(Math.min(x, y) + ":" + Math.max(x, y));
  return set ? [...set].sort((p, q) => DATA.pairs[q].jaccard - DATA.pairs[p].jaccard) : [];
}
const tooltip = document.getElementById("tooltip");
canvas.addEventListener("mousemove", (event) => {
  const cell = cellAt(event);
  if (!cell) { tooltip.hidden = true; return; }
  const [x, y] = cell;
  const found = pairsIn(x, y);
  let text = itemRange(x) + "\n× " + itemRange(y);
  if (found.length === 1 && block === 1 && DATA.by === "document") {
    const p = DATA.pairs[found[0]];
    const first = DOCS[p.a].id === items[x].label;
    text += "\nJaccard " + fmt(p.jaccard) + "\nrow in column " + fmt(first ? p.a_in_b : p.b_in_a) +
            ", column in row " + fmt(first ? p.b_in_a : p.a_in_b) + "\n" + p.passages.length + " passages";
  } else if (found.length) {
    text += "\nhighest Jaccard " + fmt(grid[x * nb + y]) + " (" + found.length + " pairs)";
  } else {
    text += x === y && block === 1 ? "" : "\nno shared shingles listed";
  }
  tooltip.textContent = text;
  tooltip.hidden = false;
  const rect = canvas.getBoundingClientRect(), wrap = canvas.parentElement.getBoundingClientRect();
  tooltip.style.left = (event.clientX - wrap.left + 14) + "px";
  tooltip.style.top = (event.clientY - wrap.top + 14) + "px";
});
canvas.addEventListener("mouseleave", () => { tooltip.hidden = true; });
canvas.addEventListener("click", (event) => {
  const cell = cellAt(event);
  if (!cell) return;
  const found = pairsIn(cell[0], cell[1]);
  const panel = clear(document.getElementById("cell-panel"));
  if (found.length === 1) { showPair(found[0]); panel.appendChild(el("p", { class: "hint" }, "Shown below.")); return; }
  if (!found.length) { panel.appendChild(el("p", { class: "hint" }, "No pair listed in this cell.")); return; }
  panel.appendChild(el("p", {}, found.length + " pairs in " + itemRange(cell[0]) + " × " + itemRange(cell[1]) + ":"));
  panel.appendChild(pairTable(found.slice(0, 200)));
  if (found.length > 200) panel.appendChild(el("p", { class: "hint" }, "… and " + (found.length - 200) + " more."));
});

// --- pairs and passages -------------------------------------------------------------------
function pairTable(indices) {
  const table = el("table", {}, el("tr", {}, el("th", {}, "a"), el("th", {}, "b"),
    el("th", {}, "Jaccard"), el("th", {}, "a in b"), el("th", {}, "b in a"), el("th", {}, "passages")));
  for (const k of indices) {
    const p = DATA.pairs[k];
    table.appendChild(el("tr", { class: "clickable", "data-pair": k, onclick: () => showPair(k) },
      el("td", {}, docLabel(p.a)), el("td", {}, docLabel(p.b)), el("td", { class: "num" }, fmt(p.jaccard)),
      el("td", { class: "num" }, fmt(p.a_in_b)), el("td", { class: "num" }, fmt(p.b_in_a)),
      el("td", { class: "num" }, p.passages.length)));
  }
  return table;
}
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;
const STOP = new Set(("the a an and or of to in on at for by with from that this is was were be been are it its as has have had he she they we you i not but his her their our if would could will than also there which who what when".split(" ")));
function words(text) {
  const out = new Set();
  for (const m of text.matchAll(WORD)) out.add(m[0].toLowerCase().replace("’", "'"));
  return out;
}
function highlighted(text, shared) {
  const box = document.createDocumentFragment();
  let at = 0;
  for (const m of text.matchAll(WORD)) {
    if (m.index > at) box.appendChild(document.createTextNode(text.slice(at, m.index)));
    const w = m[0].toLowerCase().replace("’", "'");
    box.appendChild(shared.has(w) && !STOP.has(w) ? el("mark", {}, m[0]) : document.createTextNode(m[0]));
    at = m.index + m[0].length;
  }
  if (at < text.length) box.appendChild(document.createTextNode(text.slice(at)));
  return box;
}
function passageView(index) {
  const p = DATA.passages[index];
  const a = words(p.a_text), b = words(p.b_text);
  const shared = new Set([...a].filter((w) => b.has(w)));
  const head = el("p", {}, el("span", { class: "tag" }, p.kind), el("span", { class: "tag" }, "score " + fmt(p.score)),
    p.quoted ? el("span", { class: "tag quoted" }, "quotation both give") : null,
    p.quote ? el("span", { class: "hint" }, " “" + p.quote + "”") : null);
  const side = el("div", { class: "side passage", "data-passage": index },
    el("div", {}, el("h4", {}, p.a + " [" + p.a_start + ":" + p.a_end + "]"), highlighted(p.a_text, shared)),
    el("div", {}, el("h4", {}, p.b + " [" + p.b_start + ":" + p.b_end + "]"), highlighted(p.b_text, shared)));
  return el("div", {}, head, side);
}
function showPair(k) {
  const p = DATA.pairs[k];
  const panel = clear(document.getElementById("pair-panel"));
  panel.dataset.pair = String(k);
  const a = DOCS[p.a], b = DOCS[p.b];
  panel.appendChild(el("h3", {}, docLabel(p.a) + "  ×  " + docLabel(p.b)));
  panel.appendChild(el("p", {}, "Jaccard " + fmt(p.jaccard) + "; " + fmt(p.a_in_b) + " of " + a.id +
    " found in " + b.id + ", " + fmt(p.b_in_a) + " of " + b.id + " found in " + a.id + "."));
  const related = DATA.graph.edges.filter((e) => (e.source === a.id && e.target === b.id) || (e.source === b.id && e.target === a.id));
  for (const e of related) panel.appendChild(el("p", {}, el("span", { class: "tag" }, e.kind), e.source + " → " + e.target + ": " + e.reasons.join("; ")));
  if (!p.passages.length) panel.appendChild(el("p", { class: "hint" }, "These two documents share no passage."));
  for (const index of p.passages) panel.appendChild(passageView(index));
  panel.scrollIntoView({ behavior: "smooth", block: "start" });
}
const topPairs = DATA.pairs.slice(0, 100).map((_, k) => k);
const pairsTable = document.getElementById("pairs-table");
pairsTable.replaceWith(Object.assign(pairTable(topPairs), { id: "pairs-table" }));
if (DATA.pairs.length > 100) document.getElementById("pairs-section").appendChild(el("p", { class: "hint" }, "Top 100 of " + DATA.pairs.length + " pairs."));

// --- provenance graph ---------------------------------------------------------------------
function drawGraph() {
  const g = DATA.graph, box = document.getElementById("graph");
  document.getElementById("graph-hint").textContent = g.total_edges
    ? "Edges run source → target; hover or click an edge for its reasons. " +
      (g.edges.length < g.total_edges ? "Showing the " + g.edges.length + " most confident of " + g.total_edges + " edges." : "")
    : "No attributions or repeated passages: no provenance edges.";
  if (!g.nodes.length) return;
  const W = 1000, H = 620, left = 30, right = 190, pad = 30;  // labels sit right of nodes
  const xs = g.nodes.map((v) => v.x), ys = g.nodes.map((v) => v.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const at = {};
  for (const v of g.nodes) at[v.id] = [left + (x1 > x0 ? (v.x - x0) / (x1 - x0) : 0.5) * (W - left - right),
                                       pad + (y1 > y0 ? (v.y - y0) / (y1 - y0) : 0.5) * (H - 2 * pad)];
  const root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img" });
  const defs = svg("defs");
  for (const [kind, c] of Object.entries(EDGE_COLORS)) {
    const marker = svg("marker", { id: "arrow-" + kind, viewBox: "0 0 10 10", refX: 18, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    marker.appendChild(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: c }));
    defs.appendChild(marker);
  }
  root.appendChild(defs);
  g.edges.forEach((e, k) => {
    const [ax, ay] = at[e.source], [bx, by] = at[e.target];
    const line = svg("line", { x1: ax, y1: ay, x2: bx, y2: by, class: "edge", stroke: EDGE_COLORS[e.kind] || "#888",
      "marker-end": e.kind === "common_source" || e.kind === "undecided" ? "" : "url(#arrow-" + e.kind + ")", "data-edge": k });
    const title = svg("title");
    title.textContent = e.source + " → " + e.target + " (" + e.kind + ", " + fmt(e.confidence) + ")\n" + e.reasons.join("\n");
    line.appendChild(title);
    line.addEventListener("click", () => showEdge(k));
    root.appendChild(line);
    const label = svg("text", { x: (ax + bx) / 2, y: (ay + by) / 2 - 3, "text-anchor": "middle", fill: EDGE_COLORS[e.kind] || "#888" });
    label.textContent = e.kind;
    root.appendChild(label);
  });
  for (const v of g.nodes) {
    const [x, y] = at[v.id];
    root.appendChild(v.kind === "document"
      ? svg("rect", { x: x - 6, y: y - 6, width: 12, height: 12, fill: "#1f5fa8" })
      : svg("circle", { cx: x, cy: y, r: 7, fill: "#7a5195" }));
    const label = svg("text", { x: x + 9, y: y + 4 });
    label.textContent = v.id.length > 28 ? v.id.slice(0, 27) + "…" : v.id;
    const title = svg("title");
    title.textContent = v.id;
    label.appendChild(title);
    root.appendChild(label);
  }
  box.appendChild(root);
}
function showEdge(k) {
  const e = DATA.graph.edges[k];
  const panel = clear(document.getElementById("edge-panel"));
  panel.appendChild(el("h3", {}, e.source + " → " + e.target));
  panel.appendChild(el("p", {}, el("span", { class: "tag" }, e.kind), "confidence " + fmt(e.confidence)));
  const list = el("ul", {});
  for (const r of e.reasons) list.appendChild(el("li", {}, r));
  panel.appendChild(list);
  for (const index of e.passages) panel.appendChild(passageView(index));
}
drawGraph();
const edgesTable = document.getElementById("edges-table");
edgesTable.appendChild(el("tr", {}, el("th", {}, "source"), el("th", {}, "target"), el("th", {}, "kind"), el("th", {}, "confidence"), el("th", {}, "reasons")));
DATA.graph.edges.forEach((e, k) => edgesTable.appendChild(el("tr", { class: "clickable", onclick: () => showEdge(k) },
  el("td", {}, e.source), el("td", {}, e.target), el("td", {}, e.kind), el("td", { class: "num" }, fmt(e.confidence)), el("td", {}, e.reasons.join("; ")))));

// --- documents and skipped inputs ---------------------------------------------------------
const docsTable = document.getElementById("documents-table");
docsTable.appendChild(el("tr", {}, ...["id", "outlet", "title", "published", "chars", "shingles", "attributions"].map((h) => el("th", {}, h))));
for (const d of DOCS) {
  const credits = d.attributions.map((a) => a.source + " (" + a.cue + ")");
  docsTable.appendChild(el("tr", {}, el("td", {}, d.id), el("td", {}, d.outlet || ""), el("td", {}, d.title || ""),
    el("td", {}, d.published_utc || d.published || (d.not_before ? "not before " + d.not_before : "")),
    el("td", { class: "num" }, d.chars), el("td", { class: "num" }, d.shingles), el("td", {}, [...new Set(credits)].join("; "))));
}
const skippedTable = document.getElementById("skipped-table");
if (DATA.skipped.length) {
  skippedTable.appendChild(el("tr", {}, el("th", {}, "input"), el("th", {}, "why it was skipped")));
  for (const s of DATA.skipped) skippedTable.appendChild(el("tr", {}, el("td", {}, s.path), el("td", {}, s.reason)));
} else {
  skippedTable.replaceWith(el("p", { class: "hint" }, "Every input was read."));
}
document.body.dataset.ready = "1";
