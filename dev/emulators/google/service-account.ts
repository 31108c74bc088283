/**
 * A throwaway service account for the local stack and the tests: an RSA key pair made with
 * node:crypto at start-up. The Worker gets the JSON key (GOOGLE_SERVICE_ACCOUNT_JSON, shaped like
 * the file Google hands out); the emulator gets only the public key, and checks signatures with it.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";

export interface GeneratedServiceAccount {
  clientEmail: string;
  /** The key file's JSON, as GOOGLE_SERVICE_ACCOUNT_JSON. */
  json: string;
  /** SPKI PEM, for the emulator. */
  publicKeyPem: string;
}

export function generateServiceAccount(clientEmail: string, tokenUri: string): GeneratedServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const json = JSON.stringify({
    type: "service_account",
    project_id: "inkline-local",
    private_key_id: randomBytes(20).toString("hex"),
    private_key: privateKey,
    client_email: clientEmail,
    client_id: "100000000000000000001",
    token_uri: tokenUri,
  });
  return { clientEmail, json, publicKeyPem: publicKey };
}
