/** DSSE v1 pre-authentication encoding: `DSSEv1 SP len(type) SP type SP len(body) SP body`, lengths in bytes. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

/**
 * The encoding model_signing v0.2.0 actually signed: the tag spelled `DSSEV1` and the
 * body written as a Python bytes literal (`b'...'`), its length that of the raw bytes.
 * Only ever used to verify old signatures, never to produce new ones.
 */
export function legacyPreAuthEncodingV020(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.from(`DSSEV1 ${type.length} ${payloadType} ${payload.length} ${pythonBytesRepr(payload)}`, 'utf8');
}

/** Python's repr() of a bytes object. */
export function pythonBytesRepr(data: Uint8Array): string {
  const hasSingle = data.includes(0x27);
  const hasDouble = data.includes(0x22);
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = `b${quote}`;
  for (const b of data) {
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (quote === "'" && b === 0x27) out += "\\'";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out + quote;
}

export interface DsseSignature {
  sig: Buffer;
  keyid?: string | null;
}

export interface DsseEnvelope {
  payloadType: string;
  payload: Buffer;
  signatures: DsseSignature[];
}
