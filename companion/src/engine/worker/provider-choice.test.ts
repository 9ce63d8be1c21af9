import { describe, expect, it } from 'vitest';
import { providerCandidates, shortReason } from './provider-choice.ts';

describe('#providerCandidates', () => {
  it('tries cuda, dml, coreml, webgpu, cpu in that order, keeping only what the build lists (cpu always)', () => {
    expect(providerCandidates('auto', ['cpu', 'webgpu', 'cuda', 'tensorrt'])).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providerCandidates('auto', ['cpu', 'dml', 'webgpu'])).toEqual(['dml', 'webgpu', 'cpu']);
    expect(providerCandidates('auto', ['coreml', 'cpu'])).toEqual(['coreml', 'cpu']);
    expect(providerCandidates('auto', [])).toEqual(['cpu']);
  });

  it('falls back from a named provider to cpu', () => {
    expect(providerCandidates('cuda', ['cpu'])).toEqual(['cuda', 'cpu']);
    expect(providerCandidates('cpu', ['cpu', 'cuda'])).toEqual(['cpu']);
  });
});

describe('#shortReason', () => {
  it('keeps what went wrong and drops onnxruntime’s source location', () => {
    const webgpu =
      'creating a webgpu session failed: /onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n';
    expect(shortReason(new Error(webgpu))).toBe('Failed to get a WebGPU adapter: No supported adapters');
    expect(shortReason(new Error('creating a cuda session failed: OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'))).toBe(
      'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
    );
  });
});
