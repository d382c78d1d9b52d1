// Limits the extension enforces before it talks to the host. Each mirrors a value in
// native-host/src/common/limits.h (a unit test checks they agree), so the extension never builds a
// request the host would refuse.

// Chromium throws synchronously past 64 MiB of JSON to a host (NATIVE-MESSAGING.md, measured).
export const kMaxInboundFrameBytes = 64 * 1024 * 1024;
// Captured pages (page.analyze).
export const kMaxPageBlocks = 200000;
export const kMaxPageTextBytes = 16 * 1024 * 1024;
export const kMaxUrlBytes = 8 * 1024;
export const kMaxTitleBytes = 4 * 1024;
