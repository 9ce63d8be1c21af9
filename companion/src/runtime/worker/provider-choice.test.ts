import { describe, expect, it } from 'vitest';
import { ImagicError } from '../../errors.ts';
import { openWithProviderAsync, providerCandidates } from './provider-choice.ts';
import { shortReason } from './provider-probe.ts';
import type { RemoteSession, SessionHost } from './session-host.ts';

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
    expect(
      shortReason(
        new Error(
          'creating a cuda session failed: OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
        ),
      ),
    ).toBe('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library');
  });
});

describe('#openWithProviderAsync', () => {
  /** A session host that lists `listed` and opens any provider but those in `broken`; records what it was asked. */
  function fakeHost(listed: string[], broken: string[] = []) {
    const opened: string[] = [];
    const host = {
      backendsAsync: async () => listed,
      openAsync: async (_source: unknown, options: { provider: string }) => {
        opened.push(options.provider);
        if (broken.includes(options.provider))
          throw new ImagicError('RUNTIME_FAILED', `creating a ${options.provider} session failed: no adapter`);
        return { provider: options.provider } as unknown as RemoteSession;
      },
    } as unknown as SessionHost;
    return { host, opened };
  }
  const source = () => ({ kind: 'file', path: 'm.onnx' }) as const;

  it('auto skips a provider its probe finds slower than the CPU (a software adapter), and says so', async () => {
    const { host, opened } = fakeHost(['cpu', 'webgpu']);
    const probed: string[] = [];
    const probe = async (p: string) => (
      probed.push(p),
      {
        usable: false,
        reason: `${p} is a software adapter or slower than the CPU provider (900 ms vs cpu 9.0 ms)`,
        detail: '',
      }
    );
    const { report } = await openWithProviderAsync(host, source, 'auto', {}, probe);
    expect(probed).toEqual(['webgpu']);
    expect(opened).toEqual(['cpu']);
    expect(report.provider).toBe('cpu');
    expect(report.reason).toContain('webgpu is a software adapter');
  });

  it('auto uses a probed provider that is faster, and never probes cuda or coreml (hardware only)', async () => {
    const { host, opened } = fakeHost(['cpu', 'webgpu', 'cuda'], ['cuda']);
    const probed: string[] = [];
    const probe = async (p: string) => (probed.push(p), { usable: true, reason: 'fast', detail: '' });
    const { report } = await openWithProviderAsync(host, source, 'auto', {}, probe);
    expect(probed).toEqual(['webgpu']);
    expect(opened).toEqual(['cuda', 'webgpu']);
    expect(report.provider).toBe('webgpu');
  });

  it('a provider named by the user is used as asked, without a probe', async () => {
    const { host, opened } = fakeHost(['cpu', 'webgpu']);
    const probe = async () => expect.unreachable('no probe for a named provider');
    const { report } = await openWithProviderAsync(host, source, 'webgpu', {}, probe);
    expect(opened).toEqual(['webgpu']);
    expect(report.provider).toBe('webgpu');
  });
});
