import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG, parseSchedulerConfig } from './scheduler-config.ts';
import { SD15_SCHEDULER_JSON } from './test-support.ts';

describe('parseSchedulerConfig', () => {
  it("reads Stable Diffusion 1.5's PNDM config, ignoring PNDM-only keys", () => {
    expect(parseSchedulerConfig(SD15_SCHEDULER_JSON)).toEqual({
      className: 'PNDMScheduler',
      numTrainTimesteps: 1000,
      betaStart: 0.00085,
      betaEnd: 0.012,
      betaSchedule: 'scaled_linear',
      predictionType: 'epsilon',
      stepsOffset: 1,
      setAlphaToOne: false,
      clipSample: false,
      clipSampleRange: 1,
      timestepSpacing: 'leading',
    });
  });

  it("fills DDIMScheduler's defaults for an empty object", () => {
    expect(parseSchedulerConfig({})).toEqual(DEFAULT_SCHEDULER_CONFIG);
    expect(DEFAULT_SCHEDULER_CONFIG).toMatchObject({
      numTrainTimesteps: 1000,
      betaStart: 0.0001,
      betaEnd: 0.02,
      betaSchedule: 'linear',
      predictionType: 'epsilon',
      stepsOffset: 0,
      setAlphaToOne: true,
      clipSample: true,
      timestepSpacing: 'leading',
    });
  });

  it('treats null like an absent key', () => {
    expect(parseSchedulerConfig({ steps_offset: null, timestep_spacing: null, trained_betas: null })).toEqual(
      DEFAULT_SCHEDULER_CONFIG,
    );
  });

  it('takes an absent timestep_spacing from the class the file names', () => {
    const spacing = (json: object): string => parseSchedulerConfig(json).timestepSpacing;
    expect(spacing({ _class_name: 'PNDMScheduler' })).toBe('leading');
    expect(spacing({ _class_name: 'DDIMScheduler' })).toBe('leading');
    expect(spacing({ _class_name: 'EulerDiscreteScheduler' })).toBe('linspace');
    expect(spacing({ _class_name: 'DPMSolverMultistepScheduler' })).toBe('linspace');
    expect(spacing({ _class_name: 'SomeFutureScheduler' })).toBe('leading');
    expect(spacing({ _class_name: 'toString' })).toBe('leading');
    expect(spacing({ _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'trailing' })).toBe('trailing');
  });

  it('accepts every supported enum value', () => {
    for (const beta_schedule of ['linear', 'scaled_linear', 'squaredcos_cap_v2']) {
      expect(parseSchedulerConfig({ beta_schedule }).betaSchedule).toBe(beta_schedule);
    }
    for (const prediction_type of ['epsilon', 'v_prediction']) {
      expect(parseSchedulerConfig({ prediction_type }).predictionType).toBe(prediction_type);
    }
    for (const timestep_spacing of ['leading', 'trailing', 'linspace']) {
      expect(parseSchedulerConfig({ timestep_spacing }).timestepSpacing).toBe(timestep_spacing);
    }
  });

  it('refuses unsupported values with a RangeError that names the key', () => {
    const cases: [object, RegExp][] = [
      [{ beta_schedule: 'sigmoid' }, /beta_schedule="sigmoid".*"linear", "scaled_linear", "squaredcos_cap_v2"/],
      [{ prediction_type: 'sample' }, /prediction_type="sample"/],
      [{ timestep_spacing: 'uniform' }, /timestep_spacing="uniform"/],
      [{ trained_betas: [0.1, 0.2] }, /trained_betas.*not supported/],
      [{ rescale_betas_zero_snr: true }, /rescale_betas_zero_snr/],
      [{ thresholding: true }, /thresholding/],
      [{ use_karras_sigmas: true }, /use_karras_sigmas/],
      [{ timestep_type: 'continuous' }, /timestep_type/],
      // DPM-Solver variants other than the 2M form implemented here.
      [
        { final_sigmas_type: 'sigma_min' },
        /final_sigmas_type="sigma_min" is not supported; remove it or set it to "zero"/,
      ],
      [{ lower_order_final: false }, /lower_order_final=false/],
      [{ use_lu_lambdas: true }, /use_lu_lambdas/],
      [{ solver_order: 3 }, /solver_order=3 .*set it to 2/],
      [{ algorithm_type: 'sde-dpmsolver++' }, /algorithm_type/],
      [{ solver_type: 'heun' }, /solver_type/],
      [{ euler_at_final: true }, /euler_at_final/],
      [{ num_train_timesteps: 0 }, /num_train_timesteps must be an integer >= 2/],
      [{ num_train_timesteps: 999.5 }, /num_train_timesteps/],
      [{ steps_offset: -1 }, /steps_offset/],
      [{ beta_start: 0.02, beta_end: 0.01 }, /beta_start <= beta_end/],
      [{ beta_end: 1 }, /beta_end < 1/],
      [{ clip_sample_range: 0 }, /clip_sample_range must be > 0/],
    ];
    for (const [json, message] of cases) {
      expect(() => parseSchedulerConfig(json)).toThrow(RangeError);
      expect(() => parseSchedulerConfig(json)).toThrow(message);
    }
  });

  it("accepts diffusers' DPMSolverMultistepScheduler config, whose options are the form implemented here", () => {
    const dpm = {
      _class_name: 'DPMSolverMultistepScheduler',
      algorithm_type: 'dpmsolver++',
      solver_order: 2,
      solver_type: 'midpoint',
      lower_order_final: true,
      euler_at_final: false,
      final_sigmas_type: 'zero',
      use_karras_sigmas: false,
      use_lu_lambdas: false,
      variance_type: null,
      thresholding: false,
      dynamic_thresholding_ratio: 0.995,
      sample_max_value: 1.0,
      lambda_min_clipped: -Infinity,
    };
    expect(parseSchedulerConfig(dpm).timestepSpacing).toBe('linspace');
  });

  it('refuses values of the wrong JSON type with a TypeError', () => {
    const cases: unknown[] = [null, [], 'scaled_linear', 3];
    cases.push({ num_train_timesteps: '1000' }, { clip_sample: 'false' }, { _class_name: 1 });
    for (const json of cases) expect(() => parseSchedulerConfig(json)).toThrow(TypeError);
  });
});
