import { describe, expect, it } from 'vitest';
import { cleanLine, cleanText, htmlToPlainText, MAX_HTML_LENGTH } from '../../../src/event/text.js';

describe('htmlToPlainText', () => {
  it.each([
    [null, ''],
    ['', ''],
    ['<p></p>', ''],
    ['<p> </p><p></p>', ''],
    ['<p>Hello <b>world</b></p>', 'Hello world'],
    ['<p>First</p><p>Second</p>', 'First\n\nSecond'],
    ['<p>a</p><p></p><p></p><p></p><p>b</p>', 'a\n\nb'],
    ['<p>line<br>break</p>', 'line\nbreak'],
    ['<h1>Title</h1><p>body</p>', 'Title\n\nbody'],
    ['<h3>mixed Case</h3>', 'mixed Case'],
    ['<ul><li>one</li><li>two</li></ul>', '- one\n- two'],
    ['<ol><li>one</li><li>two</li></ol>', '1. one\n2. two'],
    ['<ol start="3"><li>three</li></ol>', '3. three'],
    ['<ul><li>a<ul><li>nested</li></ul></li></ul>', '- a\n  - nested'],
    ['<a href="https://x.example/">https://x.example/</a>', 'https://x.example/'],
    ['<a href="https://x.example/doc">the doc</a>', 'the doc [https://x.example/doc]'],
    ['<p>see <img src="a.png" alt="diagram"> here</p>', 'see here'],
    ['<p>&lt;tag&gt; &amp; &quot;q&quot; &#39;s&#39; &eacute; &#128512;</p>', '<tag> & "q" \'s\' é 😀'],
    ['<script>alert(1)</script><p>safe</p>', 'safe'],
    ['<p>x\u0000y\u0007z</p>', 'xyz'],
  ])('%j → %j', (html, text) => {
    expect(htmlToPlainText(html)).toBe(text);
  });

  it('keeps a long text on one line (no word wrap)', () => {
    const words = Array.from({ length: 200 }, (_, index) => `word${index}`).join(' ');
    expect(htmlToPlainText(`<p>${words}</p>`)).toBe(words);
  });

  it('cuts pathological input instead of converting megabytes', () => {
    const text = htmlToPlainText(`<p>${'a'.repeat(MAX_HTML_LENGTH + 1000)}</p>`);
    expect(text.length).toBeLessThanOrEqual(MAX_HTML_LENGTH);
    expect(text.length).toBeGreaterThan(MAX_HTML_LENGTH - 10);
  });
});

describe('cleanText', () => {
  it('normalises line breaks to LF', () => {
    expect(cleanText('a\r\nb\rc\nd')).toBe('a\nb\nc\nd');
  });

  it('strips control characters but keeps TAB and LF', () => {
    expect(cleanText('a\u0000b\u0001c\u001Fd\u007Fe\tf\ng')).toBe('abcde\tf\ng');
  });

  it('replaces lone surrogates, keeps pairs', () => {
    expect(cleanText('a\uD800b\uDC00c😀')).toBe('a\uFFFDb\uFFFDc😀');
  });
});

describe('cleanLine', () => {
  it('puts everything on one trimmed line', () => {
    expect(cleanLine('  a\r\n  b\nc  ')).toBe('a b c');
  });
});
