// Parses CAP 1.2 messages with @dec112/cap-ts, a CAP implementation independent of Indus, runs its
// validation, and prints one JSON array: what it read from each message, or the error.
//   node capcheck.mjs message.cap [message.cap ...]
// Exits 1 when a message does not parse or validate.
import { readFileSync } from 'node:fs';
import cap from '@dec112/cap-ts';

const C = cap.CAP_1_2;
const name = (toString, v) => (v === undefined ? null : toString(v) ?? `invalid ${v}`);

function summary(a) {
  return {
    identifier: a.identifier,
    sender: a.sender,
    sent: a.sent,
    status: name(C._to_string_Alert_status, a.status),
    msgType: name(C._to_string_Alert_msgType, a.msgType),
    scope: name(C._to_string_Alert_scope, a.scope),
    references: a.references ?? null,
    info: a.info_list.map((i) => ({
      language: i.language ?? null,
      category: i.category_list.map((c) => name(C._to_string_Alert_info_list_info_category_list_category, c)),
      event: i.event,
      responseType: i.responseType_list.map((r) => name(C._to_string_Alert_info_list_info_responseType_list_responseType, r)),
      urgency: name(C._to_string_Alert_info_list_info_urgency, i.urgency),
      severity: name(C._to_string_Alert_info_list_info_severity, i.severity),
      certainty: name(C._to_string_Alert_info_list_info_certainty, i.certainty),
      onset: i.onset ?? null,
      expires: i.expires ?? null,
      senderName: i.senderName ?? null,
      headline: i.headline ?? null,
      description: i.description ?? null,
      instruction: i.instruction ?? null,
      parameters: Object.fromEntries(i.parameter_list.map((p) => [p.valueName, p.value])),
      areas: i.area_list.map((ar) => ({
        areaDesc: ar.areaDesc,
        polygons: ar.polygon_list ?? [],
        geocodes: Object.fromEntries((ar.geocode_list ?? []).map((g) => [g.valueName, g.value])),
      })),
    })),
  };
}

// cap-ts 0.3.2's Alert.validate() wants a <code>, which CAP 1.2 makes optional (0..n); for a
// message without one, that error is passed over and the checks after it (every info block) run.
function validate(alert) {
  const err = alert.validate();
  if (err?.message !== "'code_list' cannot be empty" || alert.code_list !== undefined) return err;
  if (!alert.info_list.length) return new Error('no info block');
  for (const info of alert.info_list) {
    const infoErr = info.validate();
    if (infoErr) return infoErr;
  }
  return undefined;
}

const out = [];
let bad = 0;
for (const file of process.argv.slice(2)) {
  try {
    const alert = await C.Alert.fromXML(readFileSync(file, 'utf8'));
    const err = validate(alert);
    if (err) throw err;
    out.push({ file, ...summary(alert) });
  } catch (e) {
    bad++;
    out.push({ file, error: String(e?.message ?? e) });
  }
}
console.log(JSON.stringify(out, null, 1));
process.exit(bad ? 1 : 0);
