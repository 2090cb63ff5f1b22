import { createHash } from 'node:crypto';
import { FRAMEWORKS } from './frameworks';
import type { ComplianceReport, EvidenceItem, PointReport } from './model';
import { KIND_LABEL, STATUS_LABEL } from './render-common';

/** Property on the CDXA's metadata that marks a file `--output` may replace. */
export const CDXA_REPORT_PROPERTY = 'model-provenance:compliance-report';

const CONFORMANCE: Record<PointReport['status'], number> = { evidence: 1, person: 1, partial: 0.5, missing: 0 };

const reqRef = (fw: string, point: string): string => `requirement:${fw}:${point}`;
const claimRef = (fw: string, point: string): string => `claim:${fw}:${point}`;
const evRef = (ref: string): string => `evidence:${ref}`;

/** A UUID (RFC 9562 version 8, custom) from content, so the same report gives the same serial number. */
function contentUuid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function evidenceDescription(e: EvidenceItem): string {
  return [
    `${KIND_LABEL[e.kind]} ${e.digest}`,
    e.stage ? `stage ${e.stage}` : '',
    e.subject ? `about ${e.subjectName ? `${e.subjectName} ` : ''}${e.subject}` : '',
    e.signer ? `signed by ${e.signer} (as the trust policy names it)` : '',
    e.time ? `at ${e.time}` : '',
    e.verified ? 'verified' : `NOT VERIFIED: ${e.reason ?? ''}`,
  ]
    .filter(Boolean)
    .join('; ');
}

/**
 * The report as a CycloneDX 1.6 attestation (CDXA): `definitions.standards` describe each
 * framework's requirements, one per point with parent links; `declarations` carry the
 * claims (facts and a person's text) with evidence pointing at the attestations, the
 * signature, the ML-BOM and the inspection by digest, and one attestation per framework
 * mapping every requirement to its claim with a conformance score (1 evidence or person,
 * 0.5 partial, 0 missing). Validates against the 1.6 schema @cyclonedx/cyclonedx-library ships.
 */
export function renderReportCdxa(r: ComplianceReport): Record<string, unknown> {
  const target = 'target:model';
  const standards = r.frameworks.map((f) => {
    const def = FRAMEWORKS[f.id];
    return {
      'bom-ref': `standard:${f.id}`,
      name: def.title,
      version: f.id === 'nist-ai-rmf' ? 'AI RMF 1.0' : '2024/1689',
      owner: f.id === 'nist-ai-rmf' ? 'National Institute of Standards and Technology' : 'European Union',
      requirements: def.points.map((p) => ({
        'bom-ref': reqRef(f.id, p.id),
        identifier: p.id,
        text: p.title,
        descriptions: [p.description, ...(p.fill ? [`Fill ${p.fill}${p.serves ? `; evidence that can serve: ${p.serves}` : ''}.`] : [])],
        ...(p.parent ? { parent: reqRef(f.id, p.parent) } : {}),
      })),
      externalReferences: [{ type: 'documentation', url: f.id === 'nist-ai-rmf' ? 'https://doi.org/10.6028/NIST.AI.100-1' : 'https://eur-lex.europa.eu/eli/reg/2024/1689/oj', comment: def.source }],
    };
  });
  const claims: Record<string, unknown>[] = [];
  const attestations = r.frameworks.map((f) => ({
    summary: `${f.short}: completeness ${f.completeness.score}% (${f.completeness.evidence} evidence, ${f.completeness.person} person, ${f.completeness.partial} partial, ${f.completeness.missing} missing of ${f.completeness.points} points)`,
    assessor: 'assessor:model-provenance',
    map: f.points
      .filter((p) => p.fill)
      .map((p) => {
        const hasClaim = p.facts.length > 0 || p.person !== undefined;
        if (hasClaim) {
          const verified = p.facts.filter((x) => x.verified);
          const predicate = [...p.facts.map((x) => (x.verified ? x.text : x.text.startsWith('NOT VERIFIED') ? x.text : `NOT VERIFIED: ${x.text}`)), ...(p.person ? [`Written by ${p.person.author}, ${p.person.date}: ${p.person.text}`] : [])].join('\n');
          claims.push({
            'bom-ref': claimRef(f.id, p.id),
            target,
            predicate,
            reasoning: `Status ${STATUS_LABEL[p.status]}: ${verified.length} verified fact(s), ${p.facts.length - verified.length} not verified${p.person ? ', and a named person\'s text' : ''}.${p.needs?.length ? ` Still needed: ${p.needs.join(' ')}` : ''}`,
            evidence: [...new Set(p.facts.flatMap((x) => x.evidence))].map(evRef),
          });
        }
        const factCount = p.facts.length;
        const confidence = factCount ? p.facts.filter((x) => x.verified).length / factCount : p.person ? 1 : 0;
        return {
          requirement: reqRef(f.id, p.id),
          ...(hasClaim ? { claims: [claimRef(f.id, p.id)] } : {}),
          conformance: { score: CONFORMANCE[p.status], rationale: `${STATUS_LABEL[p.status]}${p.needs?.length ? `: ${p.needs.join(' ')}` : ''}` },
          confidence: { score: Math.round(confidence * 1000) / 1000, rationale: factCount ? `${p.facts.filter((x) => x.verified).length} of ${factCount} fact(s) rest on verified evidence` : p.person ? 'a named person\'s text' : 'nothing to rely on' },
        };
      }),
  }));
  const cited = new Set(claims.flatMap((c) => c.evidence as string[]));
  const evidence = r.evidence
    .filter((e) => cited.has(evRef(e.ref)))
    .map((e) => ({
      'bom-ref': evRef(e.ref),
      propertyName: `model-provenance:${e.kind}`,
      description: evidenceDescription(e),
      data: [
        {
          name: e.ref,
          contents: {
            url: `urn:model-provenance:${e.kind}:${e.digest}`,
            attachment: { contentType: 'application/json', content: JSON.stringify(e) },
          },
        },
      ],
      ...(e.time && /^\d{4}-\d{2}-\d{2}T/.test(e.time) ? { created: e.time } : {}),
    }));
  const bom: Record<string, unknown> = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: '',
    version: 1,
    metadata: {
      timestamp: r.date,
      tools: { components: [{ type: 'application', name: r.generator.name, version: r.generator.version }] },
      component: { type: 'machine-learning-model', 'bom-ref': `model:${r.model.name}`, name: r.model.name, hashes: [{ alg: 'SHA-256', content: r.model.digest.slice(7) }] },
      properties: [
        { name: CDXA_REPORT_PROPERTY, value: r.frameworks.map((f) => f.id).join(',') },
        ...r.frameworks.map((f) => ({ name: `model-provenance:completeness:${f.id}`, value: String(f.completeness.score) })),
      ],
    },
    definitions: { standards },
    declarations: {
      assessors: [{ 'bom-ref': 'assessor:model-provenance', thirdParty: false, organization: { name: `${r.generator.name} ${r.generator.version} (automated, from signed evidence and named persons' text)` } }],
      attestations,
      claims,
      evidence,
      targets: { components: [{ type: 'machine-learning-model', 'bom-ref': target, name: r.model.name, hashes: [{ alg: 'SHA-256', content: r.model.digest.slice(7) }] }] },
    },
  };
  bom.serialNumber = `urn:uuid:${contentUuid(JSON.stringify(bom))}`;
  return bom;
}
