/**
 * The CycloneDX → SPDX 3.0.1 mapping, as data. The exporter writes a field only through
 * one of these rules and records which (`SpdxExport.mapped`); every field it did not
 * write is listed in `SpdxExport.unmapped` and kept as an extension entry, so nothing is
 * dropped silently. docs/manifests.md renders this table; test/manifest/spdx-export.test.ts
 * checks both against real inputs.
 *
 * `cdx` is a context and a path inside it (`[]` = every array item, `{name}` = the
 * property of that name). Contexts: `bom` (the document root), `metadata`, `component`
 * (any component at any depth, metadata.component, pedigree ancestors, descendants and
 * variants), `tool` (metadata.tools), `entity` (organizational entity), `contact`
 * (organizational contact), `license` (an item of `licenses`), `externalReference`,
 * `hash`, `modelCard`, `data` (componentData: inline model-card datasets, a data
 * component's `data`), `dependency`.
 */
export interface SpdxMappingRule {
  cdx: string;
  /** Where it goes in SPDX 3.0.1 (class.property, or a relationship type). */
  spdx: string;
  /** The value is written as it is (letter case aside), so a test can find it in the output. */
  verbatim: boolean;
  /**
   * Says where a container's content goes; the fields inside are written (and recorded)
   * by their own rules, so the exporter never records this one.
   */
  structural?: true;
}

export const SPDX_MAPPING: readonly SpdxMappingRule[] = [
  // The document.
  { cdx: 'bom.$schema', spdx: 'identifies the source format; not written', verbatim: false },
  { cdx: 'bom.bomFormat', spdx: 'SpdxDocument.comment', verbatim: true },
  { cdx: 'bom.specVersion', spdx: 'SpdxDocument.comment', verbatim: true },
  { cdx: 'bom.serialNumber', spdx: 'SpdxDocument.comment, and the namespace of every spdxId', verbatim: true },
  { cdx: 'bom.version', spdx: 'SpdxDocument.comment', verbatim: true },
  { cdx: 'bom.metadata', spdx: 'see metadata.*', verbatim: false, structural: true },
  { cdx: 'bom.components[]', spdx: 'one element per component (see component.*); SpdxDocument.rootElement when there is no metadata.component', verbatim: false, structural: true },
  { cdx: 'bom.externalReferences[]', spdx: 'SpdxDocument.externalRef (see externalReference.*)', verbatim: false, structural: true },
  { cdx: 'bom.dependencies[]', spdx: 'Relationship dependsOn (see dependency.*)', verbatim: false, structural: true },
  { cdx: 'bom.properties[]', spdx: 'SpdxDocument.extension: extension_CdxPropertyEntry (name, value)', verbatim: true },
  { cdx: 'metadata.timestamp', spdx: 'CreationInfo.created (whole seconds, UTC)', verbatim: false },
  { cdx: 'metadata.tools', spdx: 'CreationInfo.createdUsing: Tool (see tool.*)', verbatim: false, structural: true },
  { cdx: 'metadata.authors[]', spdx: 'CreationInfo.createdBy: Person (see contact.*)', verbatim: false, structural: true },
  { cdx: 'metadata.manufacturer', spdx: 'CreationInfo.createdBy: Organization (the organization that created the BOM; see entity.*)', verbatim: false, structural: true },
  { cdx: 'metadata.component', spdx: 'the root element (SpdxDocument.rootElement; see component.*)', verbatim: false, structural: true },
  { cdx: 'metadata.supplier', spdx: 'suppliedBy of the root element, unless metadata.component names its own supplier (see entity.*)', verbatim: false, structural: true },
  { cdx: 'metadata.licenses', spdx: 'SpdxDocument.dataLicense, when it is one licence (see license.*)', verbatim: false, structural: true },
  { cdx: 'metadata.properties[]', spdx: 'SpdxDocument.extension: extension_CdxPropertyEntry (name, value)', verbatim: true },
  { cdx: 'tool.name', spdx: 'Tool.name', verbatim: true },
  { cdx: 'tool.version', spdx: 'Tool.name ("name version")', verbatim: true },
  { cdx: 'tool.vendor', spdx: 'Tool.name ("vendor name version")', verbatim: true },
  { cdx: 'tool.type', spdx: 'the element class: a tool component is a Tool', verbatim: false },
  { cdx: 'tool.bom-ref', spdx: 'Tool.spdxId', verbatim: false },
  { cdx: 'tool.description', spdx: 'Tool.description', verbatim: true },
  { cdx: 'tool.hashes[]', spdx: 'Tool.verifiedUsing (see hash.*)', verbatim: false, structural: true },
  { cdx: 'tool.externalReferences[]', spdx: 'Tool.externalRef (see externalReference.*)', verbatim: false, structural: true },

  // Components.
  { cdx: 'component.type', spdx: 'the element class and software_primaryPurpose: machine-learning-model → ai_AIPackage (model), data → dataset_DatasetPackage (data), file → software_File, library/framework/application/container/platform/operating-system/device/device-driver/firmware → software_Package with that purpose, cryptographic-asset → software_Package (other)', verbatim: false },
  { cdx: 'component.bom-ref', spdx: 'spdxId (<namespace>#ref-<bom-ref>); every reference to it becomes a relationship to that element', verbatim: false },
  { cdx: 'component.name', spdx: 'name', verbatim: true },
  { cdx: 'component.version', spdx: 'software_packageVersion (packages only; software_File has none)', verbatim: true },
  { cdx: 'component.description', spdx: 'description', verbatim: true },
  { cdx: 'component.hashes[]', spdx: 'verifiedUsing: Hash (see hash.*)', verbatim: false, structural: true },
  { cdx: 'component.licenses[]', spdx: 'Relationship hasDeclaredLicense / hasConcludedLicense to a simplelicensing_LicenseExpression (see license.*)', verbatim: false, structural: true },
  { cdx: 'component.copyright', spdx: 'software_copyrightText', verbatim: true },
  { cdx: 'component.purl', spdx: 'software_packageUrl (packages); externalIdentifier packageUrl (files)', verbatim: true },
  { cdx: 'component.cpe', spdx: 'externalIdentifier cpe23 (cpe:2.3:…) or cpe22 (cpe:/…)', verbatim: true },
  { cdx: 'component.omniborId[]', spdx: 'externalIdentifier gitoid', verbatim: true },
  { cdx: 'component.swhid[]', spdx: 'externalIdentifier swhid', verbatim: true },
  { cdx: 'component.swid.tagId', spdx: 'externalIdentifier swid', verbatim: true },
  { cdx: 'component.mime-type', spdx: 'software_File.contentType (files only)', verbatim: true },
  { cdx: 'component.supplier', spdx: 'suppliedBy: Organization (see entity.*)', verbatim: false, structural: true },
  { cdx: 'component.manufacturer', spdx: 'originatedBy: Organization, comment "CycloneDX manufacturer" (see entity.*)', verbatim: false, structural: true },
  { cdx: 'component.authors[]', spdx: 'originatedBy: Person, comment "CycloneDX author" (see contact.*)', verbatim: false, structural: true },
  { cdx: 'component.author', spdx: 'originatedBy: Agent (name), comment "CycloneDX author"', verbatim: true },
  { cdx: 'component.publisher', spdx: 'originatedBy: Agent (name), comment "CycloneDX publisher"', verbatim: true },
  { cdx: 'component.externalReferences[]', spdx: 'externalRef (see externalReference.*)', verbatim: false, structural: true },
  { cdx: 'component.properties[]', spdx: 'extension: extension_CdxPropertyEntry (name, value)', verbatim: true },
  { cdx: 'component.properties[{model-provenance:oms_root_digest}]', spdx: 'verifiedUsing: Hash sha256, comment "OpenSSF Model Signing root digest"', verbatim: false },
  { cdx: 'component.properties[{model-provenance:hyperparameter:*}]', spdx: 'ai_AIPackage.ai_hyperparameter: DictionaryEntry (key without the prefix, value)', verbatim: false },
  { cdx: 'component.properties[{model-provenance:dataset_usage}]', spdx: 'the relationship from the model: testedOn for "evaluation", trainedOn otherwise', verbatim: false },
  { cdx: 'component.properties[{model-provenance:base_model_relation}]', spdx: 'comment of the ancestor ("base_model_relation: …")', verbatim: false },
  { cdx: 'component.components[]', spdx: 'Relationship contains (parent → each child element)', verbatim: false, structural: true },
  { cdx: 'component.pedigree.ancestors[]', spdx: 'Relationship ancestorOf (ancestor → component) and descendantOf (component → ancestor)', verbatim: false, structural: true },
  { cdx: 'component.pedigree.descendants[]', spdx: 'Relationship descendantOf (descendant → component) and ancestorOf (component → descendant)', verbatim: false, structural: true },
  { cdx: 'component.pedigree.variants[]', spdx: 'Relationship hasVariant (component → variant)', verbatim: false, structural: true },
  { cdx: 'component.modelCard', spdx: 'ai_AIPackage properties (see modelCard.*; machine-learning-model components only)', verbatim: false, structural: true },
  { cdx: 'component.data[]', spdx: 'dataset_DatasetPackage properties, when a data component has one entry (see data.*)', verbatim: false, structural: true },

  // Parties.
  { cdx: 'entity.name', spdx: 'Organization.name', verbatim: true },
  { cdx: 'entity.bom-ref', spdx: 'Organization.spdxId', verbatim: false },
  { cdx: 'contact.name', spdx: 'Person.name', verbatim: true },
  { cdx: 'contact.email', spdx: 'Person.externalIdentifier email', verbatim: true },
  { cdx: 'contact.bom-ref', spdx: 'Person.spdxId', verbatim: false },

  // Licences.
  { cdx: 'license.license.id', spdx: 'simplelicensing_LicenseExpression.simplelicensing_licenseExpression (the listed id, SPDX capitalisation)', verbatim: true },
  { cdx: 'license.license.name', spdx: 'simplelicensing_LicenseExpression "LicenseRef-<name>" with name = the licence name', verbatim: true },
  { cdx: 'license.license.text.content', spdx: 'simplelicensing_SimpleLicensingText.simplelicensing_licenseText (base64 decoded), linked by simplelicensing_customIdToUri', verbatim: false },
  { cdx: 'license.license.text.encoding', spdx: 'decoding of the licence text', verbatim: false },
  { cdx: 'license.license.url', spdx: 'externalRef license of the licence element', verbatim: true },
  { cdx: 'license.license.acknowledgement', spdx: 'the relationship: concluded → hasConcludedLicense, declared (or none) → hasDeclaredLicense', verbatim: false },
  { cdx: 'license.license.bom-ref', spdx: 'spdxId of the licence element', verbatim: false },
  { cdx: 'license.expression', spdx: 'simplelicensing_LicenseExpression.simplelicensing_licenseExpression (validated, normalised)', verbatim: false },
  { cdx: 'license.acknowledgement', spdx: 'the relationship: concluded → hasConcludedLicense, declared (or none) → hasDeclaredLicense', verbatim: false },
  { cdx: 'license.bom-ref', spdx: 'spdxId of the licence element', verbatim: false },

  // Shared shapes.
  { cdx: 'hash.alg', spdx: 'Hash.algorithm (MD5 → md5, SHA-256 → sha256, SHA3-256 → sha3_256, BLAKE2b-256 → blake2b256, BLAKE3 → blake3, …)', verbatim: false },
  { cdx: 'hash.content', spdx: 'Hash.hashValue (lower case)', verbatim: true },
  { cdx: 'externalReference.url', spdx: 'ExternalRef.locator', verbatim: true },
  { cdx: 'externalReference.type', spdx: 'ExternalRef.externalRefType (vcs, issue-tracker → issueTracker, website → altWebPage, distribution → altDownloadLocation, attestation → secureSoftwareAttestation, …; other types → other, named in the comment)', verbatim: false },
  { cdx: 'externalReference.comment', spdx: 'ExternalRef.comment', verbatim: true },

  // The model card (machine-learning-model components).
  { cdx: 'modelCard.modelParameters.approach.type', spdx: 'ai_AIPackage.ai_typeOfModel', verbatim: true },
  { cdx: 'modelCard.modelParameters.task', spdx: 'ai_AIPackage.ai_domain', verbatim: true },
  { cdx: 'modelCard.modelParameters.architectureFamily', spdx: 'ai_AIPackage.ai_typeOfModel', verbatim: true },
  { cdx: 'modelCard.modelParameters.modelArchitecture', spdx: 'ai_AIPackage.ai_typeOfModel', verbatim: true },
  { cdx: 'modelCard.modelParameters.datasets[].ref', spdx: 'Relationship trainedOn (testedOn for an evaluation dataset) from the model to the dataset element', verbatim: false },
  { cdx: 'modelCard.modelParameters.datasets[]', spdx: 'an inline dataset: dataset_DatasetPackage (see data.*) and Relationship trainedOn', verbatim: false, structural: true },
  { cdx: 'modelCard.quantitativeAnalysis.performanceMetrics[].type', spdx: 'ai_AIPackage.ai_metric DictionaryEntry.key', verbatim: true },
  { cdx: 'modelCard.quantitativeAnalysis.performanceMetrics[].value', spdx: 'ai_AIPackage.ai_metric DictionaryEntry.value', verbatim: true },
  { cdx: 'modelCard.considerations.users[]', spdx: 'ai_AIPackage.ai_informationAboutApplication ("Users: …")', verbatim: true },
  { cdx: 'modelCard.considerations.useCases[]', spdx: 'ai_AIPackage.ai_informationAboutApplication ("Use cases: …")', verbatim: true },
  { cdx: 'modelCard.considerations.technicalLimitations[]', spdx: 'ai_AIPackage.ai_limitation (one line each)', verbatim: true },
  { cdx: 'modelCard.considerations.environmentalConsiderations.energyConsumptions[].activity', spdx: 'ai_EnergyConsumption: training → ai_trainingEnergyConsumption, fine-tuning → ai_finetuningEnergyConsumption, inference → ai_inferenceEnergyConsumption', verbatim: false },
  { cdx: 'modelCard.considerations.environmentalConsiderations.energyConsumptions[].activityEnergyCost.value', spdx: 'ai_EnergyConsumptionDescription.ai_energyQuantity', verbatim: true },
  { cdx: 'modelCard.considerations.environmentalConsiderations.energyConsumptions[].activityEnergyCost.unit', spdx: 'ai_EnergyConsumptionDescription.ai_energyUnit (kWh → kilowattHour)', verbatim: false },

  // Component data.
  { cdx: 'data.type', spdx: 'dataset_DatasetPackage (type "dataset")', verbatim: false },
  { cdx: 'data.name', spdx: 'name (when the element has no other name)', verbatim: true },
  { cdx: 'data.description', spdx: 'description (when the element has no other description)', verbatim: true },
  { cdx: 'data.contents.url', spdx: 'software_downloadLocation', verbatim: true },
  { cdx: 'data.bom-ref', spdx: 'spdxId of an inline dataset', verbatim: false },

  // The dependency graph.
  { cdx: 'dependency.ref', spdx: 'Relationship dependsOn: from', verbatim: false },
  { cdx: 'dependency.dependsOn[]', spdx: 'Relationship dependsOn: to (an empty or absent list: to NoneElement, completeness complete)', verbatim: false },
];

/** The rules by their `cdx` key. */
export const SPDX_RULES: ReadonlyMap<string, SpdxMappingRule> = new Map(SPDX_MAPPING.map((r) => [r.cdx, r]));
