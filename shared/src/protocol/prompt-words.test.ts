import { describe, expect, it } from 'vitest';
import { unknownWords } from './prompt-words.ts';

const DEMO = [
  'a',
  'on',
  'background',
  'circle',
  'square',
  'triangle',
  'red',
  'green',
  'blue',
  'yellow',
  'white',
  'black',
  'gray',
];

describe('unknownWords', () => {
  it('lists the words a model with a vocabulary does not know, once each, in order', () => {
    expect(unknownWords('make the dog sit', DEMO)).toEqual(['make', 'the', 'dog', 'sit']);
    expect(unknownWords('A Yellow square on a white background', DEMO)).toEqual([]);
    expect(unknownWords('a purple square, a purple one', DEMO)).toEqual(['purple', 'one']);
  });

  it("knows the model's learned words wherever they stand, in any case, and only those", () => {
    expect(unknownWords('a <my-logo> on a white background', DEMO, ['<my-logo>'])).toEqual([]);
    expect(unknownWords('a <MY-LOGO>, a <mascot>', DEMO, ['<my-logo>'])).toEqual(['mascot']);
    expect(unknownWords('a <my-logo>', DEMO)).toEqual(['my', 'logo']);
  });

  it('knows every word when the model declares no vocabulary (SD packages)', () => {
    expect(unknownWords('make the dog sit', undefined)).toEqual([]);
    expect(unknownWords('make the dog sit', [])).toEqual([]);
  });
});
