// Verifies a Verifiable Credential with Digital Bazaar's implementation (@digitalbazaar/vc
// and the eddsa-rdfc-2022 cryptosuite), independent of Conferral's own. Reads one JSON
// object on stdin: {credential, documents}, where documents maps every URL the check may
// load (contexts, the issuer's DID document) to its JSON; nothing else is loaded.
// The credential's BitstringStatusListEntry is checked against the status list
// credential in documents, itself verified first. Prints {verified, error} as JSON.
import * as vc from "@digitalbazaar/vc";
import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import { cryptosuite } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import { gunzipSync } from "node:zlib";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { credential, documents } = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const documentLoader = async (url) => {
  const [base, fragment] = url.split("#");
  const document = documents[base];
  if (!document) throw new Error(`not served here: ${url}`);
  if (fragment) {
    const method = document.verificationMethod.find((m) => m.id === url);
    return { contextUrl: null, documentUrl: url, document: { "@context": document["@context"], ...method } };
  }
  return { contextUrl: null, documentUrl: url, document };
};

const suite = new DataIntegrityProof({ cryptosuite });

// Bitstring Status List: GZIP'd bits, multibase base64url ("u"), index 0 the first bit.
const checkStatus = async ({ credential: checked }) => {
  const entry = checked.credentialStatus;
  const list = documents[entry.statusListCredential];
  const listed = await vc.verifyCredential({ credential: list, suite, documentLoader });
  if (!listed.verified) return { verified: false, error: new Error("status list not verified") };
  const bits = gunzipSync(Buffer.from(list.credentialSubject.encodedList.slice(1), "base64url"));
  const index = Number(entry.statusListIndex);
  const revoked = (bits[index >> 3] & (0x80 >> (index & 7))) !== 0;
  return revoked ? { verified: false, error: new Error("revoked") } : { verified: true };
};

const result = await vc.verifyCredential({ credential, suite, documentLoader, checkStatus });
const failure = result.statusResult?.error ?? result.error?.errors?.[0] ?? result.error;
const error = result.verified ? "" : String(failure?.message ?? failure);
process.stdout.write(JSON.stringify({ verified: result.verified, error }));
