// Reads an email's HTML on stdin and prints doiuse-email's verdict (caniemail's data) for
// the clients Conferral's emails must work in, as one JSON object.
import { doIUseEmail } from "doiuse-email";

const CLIENTS = ["outlook.*", "gmail.*", "apple-mail.*", "yahoo.*"];
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const result = doIUseEmail(Buffer.concat(chunks).toString("utf8"), { emailClients: CLIENTS });
process.stdout.write(JSON.stringify(result));
