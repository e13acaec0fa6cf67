// Decodes glyph PBFs the way MapLibre GL reads its glyphs URL (pbf and the glyphs proto of
// fontnik, not Indus's own decoder) and prints the metrics of chosen glyphs as one JSON line.
//   node glyphs.mjs FILE.pbf CODEPOINT[,CODEPOINT...]
// For each glyph: id, width, height, left, top, advance, the bitmap's length, and its values at
// the centre pixel and the top-left corner (rows from the top, (width+6)×(height+6) pixels).
import { PbfReader } from 'pbf';
import { readFileSync } from 'node:fs';

const [file, list] = process.argv.slice(2);
const wanted = new Set(list.split(',').map(Number));

function readGlyph(tag, g, pbf) {
  if (tag === 1) g.id = pbf.readVarint();
  else if (tag === 2) g.bitmap = pbf.readBytes();
  else if (tag === 3) g.width = pbf.readVarint();
  else if (tag === 4) g.height = pbf.readVarint();
  else if (tag === 5) g.left = pbf.readSVarint();
  else if (tag === 6) g.top = pbf.readSVarint();
  else if (tag === 7) g.advance = pbf.readVarint();
}
function readStack(tag, s, pbf) {
  if (tag === 1) s.name = pbf.readString();
  else if (tag === 2) s.range = pbf.readString();
  else if (tag === 3) s.glyphs.push(pbf.readMessage(readGlyph, {}));
}
const stacks = new PbfReader(readFileSync(file)).readFields((tag, out, pbf) => {
  if (tag === 1) out.push(pbf.readMessage(readStack, { glyphs: [] }));
}, []);

const out = { stacks: stacks.map((s) => ({ name: s.name, range: s.range, count: s.glyphs.length })), glyphs: {} };
for (const s of stacks) {
  for (const g of s.glyphs) {
    if (!wanted.has(g.id)) continue;
    const w = g.width + 6, h = g.height + 6;
    const bitmap = g.bitmap || new Uint8Array();
    out.glyphs[g.id] = {
      width: g.width, height: g.height, left: g.left, top: g.top, advance: g.advance,
      bitmap: bitmap.length, centre: bitmap[Math.floor(h / 2) * w + Math.floor(w / 2)], corner: bitmap[0],
    };
  }
}
console.log(JSON.stringify(out));
