// model_index.json of a diffusers ONNX pipeline (the diffusers export script's layout, onnx-notes §1.2), shared by
// every package the project writes itself (the tiny test packages and the demo model).
export const ONNX_PIPELINE_INDEX = {
  _class_name: 'OnnxStableDiffusionPipeline',
  _diffusers_version: '0.6.0',
  scheduler: ['diffusers', 'PNDMScheduler'],
  text_encoder: ['diffusers', 'OnnxRuntimeModel'],
  tokenizer: ['transformers', 'CLIPTokenizer'],
  unet: ['diffusers', 'OnnxRuntimeModel'],
  vae_decoder: ['diffusers', 'OnnxRuntimeModel'],
  vae_encoder: ['diffusers', 'OnnxRuntimeModel'],
  safety_checker: [null, null],
  feature_extractor: [null, null],
} as const;
