// The files every package the project writes itself shares (the tiny test packages and the demo model):
// model_index.json of a diffusers ONNX pipeline (the diffusers export script's layout, docs/onnx.md §1.2), and SD 1.5's
// scheduler config.
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

/** SD 1.5's scheduler/scheduler_config.json (runwayml/stable-diffusion-v1-5): the noise schedule of our packages. */
export const SD15_SCHEDULER_CONFIG = {
  _class_name: 'PNDMScheduler',
  _diffusers_version: '0.6.0',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
} as const;
