// Validates MapLibre style files with the official style-spec validator.
//   node validate.mjs style.json [style.json ...]
import { readFileSync } from 'node:fs';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';

let bad = 0;
for (const file of process.argv.slice(2)) {
  const errors = validateStyleMin(JSON.parse(readFileSync(file, 'utf8')));
  for (const e of errors) console.error(`${file}: ${e.message}`);
  bad += errors.length;
}
console.log(`${process.argv.length - 2} styles, ${bad} errors`);
process.exit(bad ? 1 : 0);
