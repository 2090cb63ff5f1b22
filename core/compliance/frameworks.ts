/**
 * The regulatory frameworks a report covers, as data: every point and sub-point, what the
 * reference says evidence can fill (A fully, P partly, H only a person; NIST's D record,
 * S supporting), and which kinds of provenance evidence serve it.
 *
 * Derived data. Source: the project's condensed reference of Regulation (EU) 2024/1689
 * (EU AI Act) Annexes IV, XI and XII and NIST AI 100-1 (AI RMF 1.0), which describes each
 * point in its own words ("specs/regulatory/README.md" of the shared specifications). The
 * descriptions below are that reference's, not the Official Journal's or NIST's text.
 */

export const FRAMEWORK_IDS = ['eu-ai-act-annex-iv', 'eu-ai-act-annex-xi', 'eu-ai-act-annex-xii', 'nist-ai-rmf'] as const;
export type FrameworkId = (typeof FRAMEWORK_IDS)[number];

/**
 * What the reference says evidence can fill. A: fully from evidence; A/P: from evidence, a
 * person may add; P: facts from evidence, the rest from a person; H: only a person.
 * NIST AI RMF: D: the record itself is evidence; D/S: record or supporting; S: supporting
 * evidence beside a person's account.
 */
export type Fill = 'A' | 'A/P' | 'P' | 'H' | 'D' | 'D/S' | 'S';

/** The kinds of evidence the gatherer can turn into cited facts (see evidence.ts). */
export type EvidenceKind =
  | 'identity'
  | 'dependencies'
  | 'software'
  | 'distribution'
  | 'runtime'
  | 'development'
  | 'design'
  | 'compute'
  | 'energy-basis'
  | 'data'
  | 'training-data'
  | 'evaluation'
  | 'metrics'
  | 'security'
  | 'limitations'
  | 'lifecycle'
  | 'architecture'
  | 'io-format'
  | 'licence'
  | 'release'
  | 'signers'
  | 'inventory'
  | 'third-party'
  | 'policy'
  | 'threat-model';

export interface PointDefinition {
  /** As the framework numbers it: `1(a)`, `2`, `S2.1`, `GOVERN 1.6`. The key in report-inputs.json. */
  id: string;
  /** The group a sub-point belongs to (`1` for `1(a)`); groups have no fill of their own. */
  parent?: string;
  title: string;
  /** What the point asks for, in the reference's words. */
  description: string;
  /** Absent on groups, whose status is computed from their sub-points. */
  fill?: Fill;
  /** Evidence that can serve, in the reference's words. */
  serves?: string;
  evidence?: EvidenceKind[];
  /** What a person must write (P, H, S points): the question report init puts in the skeleton. */
  asks?: string;
}

export interface FrameworkDefinition {
  id: FrameworkId;
  title: string;
  short: string;
  /** The legal or standard text the points come from. */
  source: string;
  /** What the framework is for and what this report covers of it. */
  scope: string;
  points: PointDefinition[];
}

const ANNEX_IV: FrameworkDefinition = {
  id: 'eu-ai-act-annex-iv',
  title: 'EU AI Act, Article 11 and Annex IV: technical documentation of a high-risk AI system',
  short: 'EU AI Act Annex IV',
  source: 'Regulation (EU) 2024/1689, Article 11 and Annex IV',
  scope: 'Technical documentation of a high-risk AI system, kept for 10 years (Art. 18). All 9 points of Annex IV and their sub-points.',
  points: [
    { id: '1', title: 'General description of the AI system', description: 'A general description of the AI system, points 1(a) to 1(h).' },
    { id: '1(a)', parent: '1', title: 'Intended purpose, provider, version', description: 'Intended purpose; provider; version and how it relates to earlier versions.', fill: 'P', serves: 'manifest supplier/version; previous signed versions in the chain; purpose from a person', evidence: ['identity'], asks: 'State the intended purpose of the system and name the provider.' },
    { id: '1(b)', parent: '1', title: 'Interaction with other hardware and software', description: 'Interaction with hardware or software (including other AI systems) outside the system.', fill: 'P', serves: 'dependency graph', evidence: ['dependencies'], asks: 'Describe how the system interacts with hardware and software outside it, including other AI systems.' },
    { id: '1(c)', parent: '1', title: 'Software and firmware versions', description: 'Versions of relevant software or firmware; version-update requirements.', fill: 'A/P', serves: 'framework and library versions in attestations', evidence: ['software'], asks: 'State any requirements for version updates.' },
    { id: '1(d)', parent: '1', title: 'Forms placed on the market', description: 'All forms in which it is placed on the market (packages, downloads, APIs).', fill: 'P', serves: 'distribution references, OCI artifacts', evidence: ['distribution'], asks: 'List every form in which the system is placed on the market or put into service (packages, downloads, APIs).' },
    { id: '1(e)', parent: '1', title: 'Hardware it is intended to run on', description: 'Hardware it is intended to run on.', fill: 'P', serves: 'quantization, precision, runtime requirements', evidence: ['runtime'], asks: 'Describe the hardware the system is intended to run on.' },
    { id: '1(f)', parent: '1', title: 'Photographs or illustrations of the product', description: 'Photos or illustrations when it is a component of a product.', fill: 'H', asks: 'Where the system is a component of a product, attach or reference photographs or illustrations showing its external features, marking and internal layout.' },
    { id: '1(g)', parent: '1', title: 'User interface for the deployer', description: 'Description of the user interface for the deployer.', fill: 'H', asks: 'Describe the user interface provided to the deployer.' },
    { id: '1(h)', parent: '1', title: 'Instructions for use', description: 'Instructions for use for the deployer.', fill: 'H', serves: 'link', asks: 'Provide or link the instructions for use for the deployer.' },
    { id: '2', title: 'Elements of the AI system and its development process', description: 'A detailed description of the elements of the AI system and of the process for its development, points 2(a) to 2(h).' },
    { id: '2(a)', parent: '2', title: 'Development methods and steps', description: 'Development methods and steps, including pre-trained systems or third-party tools used and how.', fill: 'A/P', serves: 'the chain: base model, fine-tuning, adapter merge, quantization, each signed stage', evidence: ['development'], asks: 'Add how pre-trained systems and third-party tools were used, where the chain does not say it.' },
    { id: '2(b)', parent: '2', title: 'Design specifications', description: 'Design specifications: logic, algorithms, key choices and rationale, what it optimises, parameters, expected output, trade-offs.', fill: 'P', serves: 'architecture, task, hyperparameters; rationale from a person', evidence: ['design'], asks: 'Explain the key design choices and their rationale, what the system optimises for, the expected output and the trade-offs made.' },
    { id: '2(c)', parent: '2', title: 'System architecture and computational resources', description: 'System architecture; computational resources used to develop, train, test and validate.', fill: 'A/P', serves: 'accelerators, counts, drivers, run times from attestations', evidence: ['compute'], asks: 'Describe how the software components build on or feed into each other, where the evidence does not show it.' },
    { id: '2(d)', parent: '2', title: 'Data requirements and data sets', description: 'Data requirements: datasheets, training methods, data sets with provenance, scope, how obtained and selected, labelling, cleaning.', fill: 'P', serves: 'dataset digests, URIs, licences, sizes; selection/labelling from a person', evidence: ['training-data'], asks: 'Describe how the data was obtained and selected, its scope and main characteristics, the labelling procedures and the data-cleaning methods.' },
    { id: '2(e)', parent: '2', title: 'Human oversight measures', description: 'Human-oversight measures (Art. 14).', fill: 'H', asks: 'Assess the human-oversight measures needed under Article 14, including the technical measures that help deployers interpret the outputs.' },
    { id: '2(f)', parent: '2', title: 'Pre-determined changes', description: 'Pre-determined changes and how compliance continues.', fill: 'H', asks: 'Describe any pre-determined changes to the system and its performance, and the technical solutions that keep it compliant.' },
    { id: '2(g)', parent: '2', title: 'Validation and testing', description: 'Validation and testing: data, metrics (accuracy, robustness, discrimination), test logs and reports dated and signed by responsible persons.', fill: 'P', serves: 'evaluation-stage attestations, metrics byproducts, signatures and signers', evidence: ['evaluation'], asks: 'Describe the validation and testing procedures, the metrics used to measure accuracy, robustness and potentially discriminatory impacts, and name the responsible persons.' },
    { id: '2(h)', parent: '2', title: 'Cybersecurity measures', description: 'Cybersecurity measures.', fill: 'P', serves: 'model signatures, verification results, file inspection (pickle scan), policy', evidence: ['security'], asks: 'Describe the cybersecurity measures put in place beyond those the evidence shows.' },
    { id: '3', title: 'Monitoring, functioning and control', description: 'Monitoring, functioning and control: capabilities, limitations, accuracy for groups, foreseeable risks, input data specifications.', fill: 'P', serves: 'model card limitations, metrics; risks from a person', evidence: ['limitations', 'metrics'], asks: "Describe the system's capabilities and limitations, its accuracy for the persons or groups it is intended for, foreseeable unintended outcomes and risks, and the input data specifications." },
    { id: '4', title: 'Appropriateness of the performance metrics', description: 'Appropriateness of the performance metrics.', fill: 'H', serves: 'the metric list is A', evidence: ['metrics'], asks: 'Explain why the performance metrics are appropriate for this system.' },
    { id: '5', title: 'Risk-management system', description: 'The risk-management system (Art. 9).', fill: 'H', serves: 'an ATLAS-based threat model can be attached', evidence: ['threat-model'], asks: 'Describe the risk-management system under Article 9 (the threat model section of this report can be referenced).' },
    { id: '6', title: 'Changes through the lifecycle', description: 'Relevant changes through the lifecycle.', fill: 'A/P', serves: 'the chain of custody: every stage, signer and time', evidence: ['lifecycle'], asks: 'Describe relevant changes the chain of custody does not record.' },
    { id: '7', title: 'Harmonised standards applied', description: 'Harmonised standards applied, or the solutions adopted instead.', fill: 'H', serves: 'none is cited in the Official Journal yet', asks: 'List the harmonised standards applied, or describe the solutions adopted to meet the requirements instead.' },
    { id: '8', title: 'EU declaration of conformity', description: 'Copy of the EU declaration of conformity (Art. 47).', fill: 'H', serves: 'attachment', asks: 'Attach or reference the EU declaration of conformity (Article 47).' },
    { id: '9', title: 'Post-market monitoring', description: 'Post-market monitoring system and plan (Art. 72).', fill: 'H', serves: 'incident-response records can support it', asks: 'Describe the post-market monitoring system and plan (Article 72).' },
  ],
};

const GPAI_1A = { title: 'Tasks and integrable AI systems', description: 'Tasks; type and nature of AI systems it can be integrated into.', fill: 'H' as Fill, asks: 'Describe the tasks the model is intended to perform and the type and nature of AI systems it can be integrated into.' };
const GPAI_1B = { title: 'Acceptable use policies', description: 'Acceptable use policies.', fill: 'H' as Fill, asks: 'State or link the acceptable use policies.' };
const GPAI_RELEASE = { title: 'Release date and distribution', description: 'Release date and methods of distribution.', fill: 'A/P' as Fill, evidence: ['release', 'distribution'] as EvidenceKind[], asks: 'Add distribution methods the evidence does not record.' };
const GPAI_ARCH = { title: 'Architecture and number of parameters', description: 'Architecture and number of parameters.', fill: 'A' as Fill, serves: 'inspection', evidence: ['architecture'] as EvidenceKind[] };
const GPAI_IO = { title: 'Modality and format of inputs and outputs', description: 'Modality and format of inputs and outputs.', fill: 'P' as Fill, evidence: ['io-format'] as EvidenceKind[], asks: 'Describe the modality (text, image…) and format of the inputs and outputs.' };
const GPAI_LICENCE = { title: 'Licence', description: 'Licence.', fill: 'A/P' as Fill, serves: 'manifest', evidence: ['licence'] as EvidenceKind[], asks: 'State the licence where the manifest does not.' };
const GPAI_INTEGRATION = { title: 'Technical means for integration', description: 'Technical means to integrate it (instructions, infrastructure, tools).', fill: 'H' as Fill, asks: 'Describe the technical means (instructions for use, infrastructure, tools) needed to integrate the model.' };

const ANNEX_XI: FrameworkDefinition = {
  id: 'eu-ai-act-annex-xi',
  title: 'EU AI Act, Article 53 and Annex XI: technical documentation of a general-purpose AI model',
  short: 'EU AI Act Annex XI',
  source: 'Regulation (EU) 2024/1689, Article 53(1)(a) and Annex XI',
  scope: 'Documentation of a general-purpose AI model for the AI Office and national authorities. Section 2 applies to models with systemic risk only. Open models with public weights are exempt unless they carry systemic risk (Art. 53(2)).',
  points: [
    { id: '1', title: 'General description of the model', description: 'A general description of the general-purpose AI model, points 1(a) to 1(f).' },
    { id: '1(a)', parent: '1', ...GPAI_1A },
    { id: '1(b)', parent: '1', ...GPAI_1B },
    { id: '1(c)', parent: '1', ...GPAI_RELEASE },
    { id: '1(d)', parent: '1', ...GPAI_ARCH },
    { id: '1(e)', parent: '1', ...GPAI_IO },
    { id: '1(f)', parent: '1', ...GPAI_LICENCE, serves: 'manifest' },
    { id: '2', title: 'Elements of the model and its development process', description: 'A detailed description of the elements of the model and of the process for its development, points 2(a) to 2(e).' },
    { id: '2(a)', parent: '2', ...GPAI_INTEGRATION },
    { id: '2(b)', parent: '2', title: 'Design specifications and training process', description: 'Design specifications and training process: methods, key choices, rationale, what it optimises.', fill: 'P', evidence: ['design', 'development'], asks: 'Explain the training methods and techniques, the key design choices and their rationale, and what the model optimises for.' },
    { id: '2(c)', parent: '2', title: 'Training, testing and validation data', description: 'Training/testing/validation data: type, provenance, curation, number of data points, scope, how obtained and selected, bias detection.', fill: 'P', serves: 'digests, sizes, provenance from attestations', evidence: ['data'], asks: 'Describe the type of data, its curation, the number of data points, its scope and main characteristics, how it was obtained and selected, and the measures to detect biases.' },
    { id: '2(d)', parent: '2', title: 'Computational resources and training time', description: 'Computational resources used to train (e.g. FLOPs), training time.', fill: 'A/P', serves: 'attestations', evidence: ['compute'], asks: 'Give the training compute in floating-point operations where known.' },
    { id: '2(e)', parent: '2', title: 'Energy consumption', description: 'Known or estimated energy consumption.', fill: 'P', serves: 'estimate from hardware and time, marked as an estimate', evidence: ['energy-basis'], asks: 'State the known or estimated energy consumption and how it was estimated (the accelerator-hours in the evidence are a basis).' },
    { id: 'S2', title: 'Additional information for models with systemic risk', description: 'Section 2 of Annex XI: further information for general-purpose AI models with systemic risk.' },
    { id: 'S2.1', parent: 'S2', title: 'Evaluation strategies and results', description: '(systemic risk) evaluation strategies and results.', fill: 'P', evidence: ['evaluation'], asks: 'Describe the evaluation strategies, criteria and results, including on public or internal protocols.' },
    { id: 'S2.2', parent: 'S2', title: 'Adversarial testing and adaptations', description: '(systemic risk) adversarial testing, alignment and fine-tuning adaptations.', fill: 'P', evidence: ['development'], asks: 'Describe the internal or external adversarial testing (red teaming) and the model adaptations, including alignment and fine-tuning.' },
    { id: 'S2.3', parent: 'S2', title: 'System architecture', description: '(systemic risk) system architecture.', fill: 'P', evidence: ['architecture', 'dependencies'], asks: 'Describe how the software components build on or feed into each other and integrate into the overall processing.' },
  ],
};

const ANNEX_XII: FrameworkDefinition = {
  id: 'eu-ai-act-annex-xii',
  title: 'EU AI Act, Article 53 and Annex XII: information for downstream providers',
  short: 'EU AI Act Annex XII',
  source: 'Regulation (EU) 2024/1689, Article 53(1)(b) and Annex XII',
  scope: 'Transparency information a general-purpose model provider gives to providers who integrate the model into their AI systems; also what a deployer should demand from an upstream model supplier.',
  points: [
    { id: '1', title: 'General description of the model', description: 'A general description of the general-purpose AI model, points 1(a) to 1(h).' },
    { id: '1(a)', parent: '1', ...GPAI_1A },
    { id: '1(b)', parent: '1', ...GPAI_1B },
    { id: '1(c)', parent: '1', ...GPAI_RELEASE },
    { id: '1(d)', parent: '1', title: 'Interaction with hardware and software outside the model', description: 'Interaction with hardware/software outside the model.', fill: 'P', evidence: ['dependencies'], asks: 'Describe how the model interacts, or can be used to interact, with hardware or software that is not part of the model itself.' },
    { id: '1(e)', parent: '1', title: 'Versions of relevant software', description: 'Versions of relevant software.', fill: 'A/P', evidence: ['software'], asks: 'Name any other software whose version matters to using the model.' },
    { id: '1(f)', parent: '1', ...GPAI_ARCH },
    { id: '1(g)', parent: '1', ...GPAI_IO },
    { id: '1(h)', parent: '1', ...GPAI_LICENCE },
    { id: '2', title: 'Elements of the model and its development process', description: 'A description of the elements of the model and of the process for its development, points 2(a) to 2(c).' },
    { id: '2(a)', parent: '2', ...GPAI_INTEGRATION },
    { id: '2(b)', parent: '2', title: 'Modality, format and maximum size of inputs and outputs', description: 'Modality, format and maximum size of inputs/outputs (e.g. context length).', fill: 'P', evidence: ['io-format'], asks: 'State the modality, format and maximum size of inputs and outputs (for example the context window length).' },
    { id: '2(c)', parent: '2', title: 'Training, testing and validation data', description: 'Training/testing/validation data: type, provenance, curation.', fill: 'P', evidence: ['data'], asks: 'Describe the type of data used for training, testing and validation, its provenance and the curation methods.' },
  ],
};

const NIST: FrameworkDefinition = {
  id: 'nist-ai-rmf',
  title: 'NIST AI Risk Management Framework 1.0 (NIST AI 100-1): subcategories provenance evidences',
  short: 'NIST AI RMF',
  source: 'NIST AI 100-1, Artificial Intelligence Risk Management Framework (AI RMF 1.0)',
  scope: 'The subcategories that provenance records can evidence. All other GOVERN and MAP subcategories need process evidence from people and are outside this report.',
  points: [
    { id: 'GOVERN', title: 'GOVERN', description: 'A culture of risk management is cultivated and present.' },
    { id: 'GOVERN 1.1', parent: 'GOVERN', title: 'Legal and regulatory requirements', description: 'Legal and regulatory requirements understood and documented.', fill: 'S', evidence: ['policy'], asks: 'Name the legal and regulatory requirements that apply to this model and how they are managed.' },
    { id: 'GOVERN 1.6', parent: 'GOVERN', title: 'Inventory of AI systems', description: 'An inventory of AI systems exists.', fill: 'D', evidence: ['inventory'] },
    { id: 'GOVERN 1.7', parent: 'GOVERN', title: 'Safe decommissioning', description: 'Safe decommissioning.', fill: 'S', evidence: ['lifecycle'], asks: 'Describe the processes for decommissioning and phasing out the model safely.' },
    { id: 'GOVERN 2.1', parent: 'GOVERN', title: 'Roles and responsibilities', description: 'Roles and responsibilities documented.', fill: 'S', serves: 'signers per stage', evidence: ['signers'], asks: 'Document the roles and responsibilities and lines of communication for mapping, measuring and managing AI risks.' },
    { id: 'GOVERN 4.3', parent: 'GOVERN', title: 'Testing, incident identification and information sharing', description: 'Testing, incident identification and information sharing.', fill: 'S', evidence: ['evaluation'], asks: 'Describe the practices for AI testing, incident identification and information sharing.' },
    { id: 'GOVERN 6.1', parent: 'GOVERN', title: 'Third-party AI risk policies', description: 'Policies for third-party AI risks, including intellectual property.', fill: 'D', serves: 'third-party models and datasets with licences', evidence: ['third-party'] },
    { id: 'GOVERN 6.2', parent: 'GOVERN', title: 'Third-party incident contingency', description: 'Contingency for incidents in third-party data or AI systems.', fill: 'S', serves: 'blast radius', evidence: ['dependencies'], asks: 'Describe the contingency processes for failures or incidents in third-party data or AI systems.' },
    { id: 'MAP', title: 'MAP', description: 'Context is recognised and risks related to the context are identified.' },
    { id: 'MAP 1.1', parent: 'MAP', title: 'Intended purpose and context', description: 'Intended purpose and context documented.', fill: 'S', evidence: ['identity'], asks: 'Document the intended purposes, the context of use and the expected users.' },
    { id: 'MAP 2.1', parent: 'MAP', title: 'Tasks and methods', description: 'Tasks and methods defined.', fill: 'D', evidence: ['design'] },
    { id: 'MAP 2.2', parent: 'MAP', title: 'Knowledge limits and human oversight', description: 'Knowledge limits and human oversight documented.', fill: 'S', evidence: ['limitations'], asks: "Document the model's knowledge limits and how its output is overseen by people." },
    { id: 'MAP 2.3', parent: 'MAP', title: 'TEVV considerations', description: 'TEVV considerations, including data collection and selection.', fill: 'D/S', evidence: ['data', 'evaluation'], asks: 'Add the scientific integrity and TEVV considerations (data collection and selection) the evidence does not show.' },
    { id: 'MAP 3.4', parent: 'MAP', title: 'Operator proficiency', description: 'Operator proficiency, standards, certifications.', fill: 'S', evidence: ['signers'], asks: 'Describe the processes for operator and practitioner proficiency, and any certifications.' },
    { id: 'MAP 4.1', parent: 'MAP', title: 'Legal and technical risks of components', description: 'Legal and technical risks of components, including third-party data and software.', fill: 'D', evidence: ['third-party'] },
    { id: 'MAP 4.2', parent: 'MAP', title: 'Internal risk controls for components', description: 'Internal risk controls for components, including third-party AI.', fill: 'D/S', serves: 'signatures, hashes, scans', evidence: ['security'], asks: 'Describe internal risk controls for components beyond signatures, digests and scans.' },
    { id: 'MAP 5.1', parent: 'MAP', title: 'Likelihood and magnitude of impacts', description: 'Likelihood and magnitude of impacts (including incident reports).', fill: 'S', evidence: ['threat-model'], asks: 'Identify and document the likelihood and magnitude of each identified impact.' },
    { id: 'MEASURE', title: 'MEASURE', description: 'Identified risks are assessed, analysed or tracked.' },
    { id: 'MEASURE 2.7', parent: 'MEASURE', title: 'Security and resilience', description: 'Security and resilience evaluated.', fill: 'S', evidence: ['security'], asks: 'Describe how security and resilience were evaluated and documented.' },
    { id: 'MANAGE', title: 'MANAGE', description: 'Risks are prioritised and acted upon based on a projected impact.' },
    { id: 'MANAGE 3.1', parent: 'MANAGE', title: 'Third-party risks monitored', description: 'Third-party risks monitored and controlled.', fill: 'S', evidence: ['third-party', 'policy'], asks: 'Describe how risks and benefits from third-party resources are monitored and controlled over time.' },
    { id: 'MANAGE 3.2', parent: 'MANAGE', title: 'Pre-trained models monitored', description: 'Pre-trained models monitored.', fill: 'S', evidence: ['dependencies'], asks: 'Describe how the pre-trained models used are monitored as part of regular monitoring and maintenance.' },
  ],
};

export const FRAMEWORKS: Record<FrameworkId, FrameworkDefinition> = {
  'eu-ai-act-annex-iv': ANNEX_IV,
  'eu-ai-act-annex-xi': ANNEX_XI,
  'eu-ai-act-annex-xii': ANNEX_XII,
  'nist-ai-rmf': NIST,
};

/**
 * What completes a point of each fill. A, D: verified evidence. A/P, D/S: verified
 * evidence, a person may add. P: verified evidence and a person. H: a person. S: a person,
 * supported by evidence.
 */
export function needsPerson(fill: Fill): boolean {
  return fill === 'P' || fill === 'H' || fill === 'S';
}

export function needsEvidence(fill: Fill): boolean {
  return fill === 'A' || fill === 'A/P' || fill === 'P' || fill === 'D' || fill === 'D/S';
}

/** Points a person may write text for (report-inputs.json keys): every point with a fill. */
export function leafPoints(f: FrameworkDefinition): PointDefinition[] {
  return f.points.filter((p) => p.fill !== undefined);
}
