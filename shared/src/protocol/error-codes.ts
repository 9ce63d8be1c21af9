// The closed set of error codes. Every error the companion reports (over the protocol, on the CLI's stderr,
// in the dashboard) carries one of these codes and the matching hint, which says what to do next.
// README's error table is generated from this record (see scripts/error-table.mjs); keep one row per code.

export const errorCodes = {
  // --- autodiff / graph tools -------------------------------------------------------------------------
  INVALID_SPEC: 'The request or spec file is malformed. Fix the named field and try again.',
  FILE_NOT_FOUND:
    'A file named on the command line or in a spec does not exist. Check the path (relative paths resolve against the current folder, and in an `imagic grad` spec against the spec file).',
  DIMS_MISMATCH:
    'A tensor has the wrong size or shape. Make the file length equal product(dims) × element size, and the dims match the model.',
  UNKNOWN_TENSOR:
    'No graph input, output or initializer has that name. Run with the names the model declares (see the message for the candidates).',
  NO_GRADIENT_RULE:
    'The graph contains an op the autodiff cannot differentiate. Export the model with standard ONNX ops (opset 14–18) or open an issue naming the op.',
  CONTRIB_OP:
    'The model was optimised with onnxruntime transformer fusions (com.microsoft ops). Use a raw export: diffusers convert_stable_diffusion_checkpoint_to_onnx.py or `optimum-cli export onnx` without --optimize.',
  MODEL_INVALID:
    'The ONNX model could not be read or is not a valid graph. Re-export it, or check that its external-data files sit next to it.',
  NOT_DIFFERENTIABLE:
    'The loss does not depend on the requested tensor, or it is not a float tensor. Pick a float input or initializer on a path to the loss output.',
  RUNTIME_FAILED:
    'onnxruntime failed to create or run a session. See the message; try --provider cpu to rule out an execution-provider problem.',
  // --- protocol and transport --------------------------------------------------------------------------
  PROTOCOL_VERSION_MISMATCH:
    'The plugin and the companion speak different protocol versions. Update both to the same Imagic release.',
  MALFORMED_MESSAGE:
    'A message was not valid JSON or not a protocol object. This is a client bug: update the plugin, or report it with the message text.',
  INVALID_FIELD:
    'A message field is missing, unexpected, of the wrong type or out of range. The message names the field and the allowed values.',
  UNKNOWN_MESSAGE_TYPE: "The companion does not know this message type. Update the companion to the plugin's release.",
  BAD_BINARY_FRAME:
    'A binary frame has a bad header (magic, version, kind, format, sizes) or its payload length does not match. Export the image again; report it if it persists.',
  PAYLOAD_TOO_LARGE:
    'A message or image is over the size limit. Export a smaller selection or use a lower export scale.',
  COMPANION_UNREACHABLE:
    'The plugin cannot reach the companion. Start it with `imagic serve`. In a web browser, use the Figma desktop app: Chrome blocks pages from reaching localhost unless you allow it in site settings.',
  TIMEOUT: 'The companion did not answer in time. Check that `imagic serve` is still running and look at its output.',
  // --- pairing and connection security -------------------------------------------------------------------
  PAIRING_REQUIRED:
    'Send `hello` with the pairing code first. Run `imagic pair` to see the code and paste it into the plugin.',
  PAIRING_FAILED:
    'The pairing code is wrong. Run `imagic pair` on the computer running the companion and paste the code it prints into the plugin.',
  RATE_LIMITED: 'Too many failed pairing attempts. Wait a minute, then retry with the code from `imagic pair`.',
  FORBIDDEN_ORIGIN:
    'The connection came from a web page the companion does not serve. Connect from the Imagic plugin, the dashboard at http://localhost:<port>, or the CLI.',
  FORBIDDEN_HOST:
    'The request named a host other than localhost, 127.0.0.1 or [::1] with the companion port (a DNS-rebinding guard). Connect to http://localhost:<port>.',
  PORT_IN_USE:
    'Another program (perhaps another `imagic serve`) holds the port. Stop it, or choose a free one with `imagic serve --port N` (the Figma plugin reaches only the ports its manifest lists).',
  DATA_DIR_IN_USE:
    'Another `imagic serve` is running on this data folder (the message names its process). Use that one, stop it first, or start this one on another folder with `imagic serve --data-dir DIR`.',
  // --- models, edits and jobs ---------------------------------------------------------------------------
  NO_MODEL:
    'No model is installed and the bundled demo model is missing (models/demo beside the companion). Run `imagic models add <dir>` with a diffusers-ONNX Stable Diffusion 1.x folder (model_index.json, unet/, vae_encoder/, vae_decoder/, text_encoder/), or `imagic models download`; reinstalling the companion restores the demo model.',
  MODEL_INCOMPLETE:
    'The model folder lacks files a diffusers-ONNX Stable Diffusion package needs (the message lists them). Point --model at the package root, or export it again with `optimum-cli export onnx` or the diffusers conversion script.',
  ENGINE_UNAVAILABLE:
    'This companion build cannot run edits yet: its editing engine is missing or failed to load. Update imagic, then run `imagic serve` again.',
  UPLOAD_NOT_FOUND:
    'The image the request names was not uploaded on this connection, or was evicted. Send the image frame again right before `edit.start`.',
  EDIT_NOT_FOUND:
    'No saved edit has that id; it may have been deleted. Reopen one from the list of saved edits, or start a new edit.',
  EDIT_STALE:
    'The saved edit no longer matches its model (the model was removed or changed) or its files are damaged. Start a new edit of the layer.',
  JOB_NOT_FOUND: 'No queued or running job has that id; it may have finished or been cancelled already.',
  IMAGE_TOO_LARGE:
    'The image is larger than the companion accepts (4096 × 4096 px). Export a smaller selection or at a lower scale.',
  IMAGE_UNSUPPORTED:
    'The image bytes are not a PNG, JPEG or raw RGBA8 image of the declared size. Export the selection as PNG.',
  CANCELLED: 'The job was cancelled on request. Start it again to get results.',
  QUEUE_FULL: 'The job queue is full. Wait for running jobs to finish, or cancel some.',
  SUPERSEDED:
    'A newer re-render of the same edit replaced this one before it started. Nothing to do: the newer job reports the result.',
  JOB_INTERRUPTED:
    'The companion stopped (crash, kill or power loss) while this job was queued or running. Saved edits and finished results are kept; start the job again.',
  MODEL_NOT_FOUND: 'No installed model has that id. See the installed ones with `imagic models list`.',
  MODEL_EXISTS:
    'A model with that id is already installed. Remove it first with `imagic models remove <id>`, or choose another id with --name.',
  DOWNLOAD_FAILED:
    'A model download failed (network error, hub error or a missing file). Run the same `imagic models download` again: it resumes where it stopped.',
  INTEGRITY_FAILED:
    'A downloaded file does not match the size or SHA-256 the hub lists; the bad file was deleted. Run the download again.',
  DISK_FULL:
    'Not enough free disk space for the model. Free space on that disk, or move the data folder to a bigger disk with --data-dir or IMAGIC_DATA_DIR.',
  CHECKPOINT_MISMATCH:
    'The training checkpoint was written under a different demo config (model sizes, seeds or learning rates), so it cannot be resumed. Delete it, or run `npm run train:demo -- --fresh` to start over.',
  SAFETENSORS_INVALID:
    'The file is not a readable safetensors file (damaged, truncated, or another format). Save it again from the tool that trained it, as .safetensors.',
  INTERNAL: 'An unexpected internal error. Collect diagnostics and report it; the message names where it happened.',
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof errorCodes;

export const isErrorCode = (value: string): value is ErrorCode => Object.hasOwn(errorCodes, value);
