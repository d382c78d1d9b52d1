// What a user should see for the Murmur AI terms fixture (fixtures/legal/terms.html): each provision
// the page was written to contain, named by a phrase of its sentence. A finding "covers" a provision
// when its quote overlaps that sentence. Rule ids are the engine's business; the user checks that
// each clause is flagged with its words quoted.
export const kTermsPath = '/legal/terms.html';
export const kBlogPath = '/blog/prompts.html';

export const kExpectedRisks = [
  { provision: 'mandatory arbitration', phrase: 'final and binding' },
  { provision: 'class-action waiver', phrase: 'class action' },
  { provision: 'training on your chats unless you opt out', phrase: 'train and' },
  { provision: 'user indemnifies the provider', phrase: 'indemnify' },
  { provision: 'sale of personal information', phrase: 'sell your personal information' },
];
export const kExpectedProtections = [{ provision: 'opt-out of sale', phrase: 'opt out of the sale' }];

// The page's visible sentences, whitespace-collapsed, for matching quotes against.
export function normalise(text) {
  return text.replace(/\s+/g, ' ').trim();
}

// True when one of the finding's quotes (a provision found in several places has several) is the
// page sentence that holds the phrase.
export function covers(finding, phrase, pageText) {
  const quotes = finding.quotes ?? [finding.quote];
  return quotes.some((quote) => quoteCovers(normalise(quote || ''), phrase, pageText));
}

function quoteCovers(quote, phrase, pageText) {
  if (!quote) return false;
  // The sentence holding the phrase, on the page as the user sees it.
  const at = pageText.indexOf(phrase);
  if (at < 0) throw new Error(`fixture lost its phrase '${phrase}'`);
  const start = pageText.lastIndexOf('.', at) + 1;
  const endDot = pageText.indexOf('.', at);
  const sentence = pageText.slice(start, endDot < 0 ? undefined : endDot + 1);
  return sentence.includes(quote) || quote.includes(phrase) || (sentence.includes(quote.slice(0, 30)) && quote.length > 10);
}
