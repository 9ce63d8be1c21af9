// Numbers both sides must agree on. The Figma manifest lists DEFAULT_PORT in networkAccess; a test checks they match.

/** The companion's loopback port. Figma can reach only the ports its manifest lists, so changing it means a new manifest. */
export const DEFAULT_PORT = 7861;

/** The WebSocket endpoint path on the companion. */
export const WS_PATH = '/ws';

/** Figma's createImage refuses images over 4096 px per side, so nothing larger travels either way. */
export const MAX_IMAGE_SIDE_PX = 4096;

/** Stable Diffusion works on 8×8 latent cells; smaller images carry no usable latent. */
export const MIN_IMAGE_SIDE_PX = 8;

/** Largest image payload: raw RGBA8 at the largest size (4096 × 4096 × 4 bytes = 64 MiB). */
export const MAX_IMAGE_BYTES = MAX_IMAGE_SIDE_PX * MAX_IMAGE_SIDE_PX * 4;

/** JSON messages are small; anything bigger is a bug or an attack. Counted in UTF-16 code units (string length). */
export const MAX_JSON_MESSAGE_CHARS = 64 * 1024;

/** Outputs per job (etas × seeds). Each output is one sampling run, so this also bounds a job's duration. */
export const MAX_OUTPUTS_PER_JOB = 64;

/** How many layers a learn job takes: fewer do not pin a concept down, more cost for little (the paper uses 3–5). */
export const LEARN_LAYERS = { min: 3, max: 10 } as const;
