/**
 * Alertmanager matcher syntax and semantics. The parse table is Alertmanager's own
 * (pkg/labels/parse_test.go, TestMatchers) case for case; the match table is its
 * pkg/labels/matcher_test.go (TestMatcher). Only the invalid-regex message differs: the regex
 * engine is JavaScript's, so the error text is too.
 */
import { expect } from 'chai';
import { FirebreakError } from '../../../src/errors.ts';
import {
  formatMatcher,
  matcherMatches,
  matchesLabels,
  newMatcher,
  parseMatcher,
  parseMatchers,
  type MatchType,
} from '../../../src/runbooks/matchers.ts';

type Want = Array<[MatchType, string, string]>;

const PARSE_CASES: Array<{ input: string; want?: Want; err?: string }> = [
  { input: '{}', want: [] },
  { input: ',', err: 'bad matcher format: ' },
  { input: '{,}', err: 'bad matcher format: ' },
  { input: "{foo='}", want: [['=', 'foo', "'"]] },
  { input: '{foo=`}', want: [['=', 'foo', '`']] },
  { input: '{foo=\\"}', want: [['=', 'foo', '"']] },
  { input: '{foo=bar}', want: [['=', 'foo', 'bar']] },
  { input: '{foo="bar"}', want: [['=', 'foo', 'bar']] },
  { input: '{foo=~bar.*}', want: [['=~', 'foo', 'bar.*']] },
  { input: '{foo=~"bar.*"}', want: [['=~', 'foo', 'bar.*']] },
  { input: '{foo!=bar}', want: [['!=', 'foo', 'bar']] },
  { input: '{foo!="bar"}', want: [['!=', 'foo', 'bar']] },
  { input: '{foo!~bar.*}', want: [['!~', 'foo', 'bar.*']] },
  { input: '{foo!~"bar.*"}', want: [['!~', 'foo', 'bar.*']] },
  { input: '{foo="bar", baz!="quux"}', want: [['=', 'foo', 'bar'], ['!=', 'baz', 'quux']] },
  { input: '{foo="bar", baz!~"quux.*"}', want: [['=', 'foo', 'bar'], ['!~', 'baz', 'quux.*']] },
  { input: '{foo="bar",baz!~".*quux", derp="wat"}', want: [['=', 'foo', 'bar'], ['!~', 'baz', '.*quux'], ['=', 'derp', 'wat']] },
  { input: '{foo="bar", baz!="quux", derp="wat"}', want: [['=', 'foo', 'bar'], ['!=', 'baz', 'quux'], ['=', 'derp', 'wat']] },
  { input: '{foo="bar", baz!~".*quux.*", derp="wat"}', want: [['=', 'foo', 'bar'], ['!~', 'baz', '.*quux.*'], ['=', 'derp', 'wat']] },
  { input: '{foo="bar", instance=~"some-api.*"}', want: [['=', 'foo', 'bar'], ['=~', 'instance', 'some-api.*']] },
  { input: '{foo=""}', want: [['=', 'foo', '']] },
  { input: '{foo="bar,quux", job="job1"}', want: [['=', 'foo', 'bar,quux'], ['=', 'job', 'job1']] },
  { input: '{foo = "bar", dings != "bums", }', want: [['=', 'foo', 'bar'], ['!=', 'dings', 'bums']] },
  { input: 'foo=bar,dings!=bums', want: [['=', 'foo', 'bar'], ['!=', 'dings', 'bums']] },
  {
    input: '{quote="She said: \\"Hi, ladies! That\'s gender-neutral…\\""}',
    want: [['=', 'quote', 'She said: "Hi, ladies! That\'s gender-neutral…"']],
  },
  { input: 'statuscode=~"5.."', want: [['=~', 'statuscode', '5..']] },
  { input: 'tricky=~~~', want: [['=~', 'tricky', '~~']] },
  { input: 'trickier==\\\\=\\=\\"', want: [['=', 'trickier', '=\\=\\="']] },
  {
    input: 'contains_quote != "\\"" , contains_comma !~ "foo,bar" , ',
    want: [['!=', 'contains_quote', '"'], ['!~', 'contains_comma', 'foo,bar']],
  },
  { input: '{foo=bar}}', want: [['=', 'foo', 'bar}']] },
  { input: '{foo=bar}},}', want: [['=', 'foo', 'bar}}']] },
  { input: '{foo=,bar=}}', want: [['=', 'foo', ''], ['=', 'bar', '}']] },
  { input: '{foo=bar\\t}', want: [['=', 'foo', 'bar\\t']] },
  { input: '{foo=bar\\n}', want: [['=', 'foo', 'bar\n']] },
  { input: '{foo=bar\\}', want: [['=', 'foo', 'bar\\']] },
  { input: '{foo=bar\\\\}', want: [['=', 'foo', 'bar\\']] },
  { input: '{foo=bar\\"}', want: [['=', 'foo', 'bar"']] },
  { input: 'job=', want: [['=', 'job', '']] },
  { input: 'job="value', err: 'matcher value contains unescaped double quote: "value' },
  // A lone opening quote (firebreak's: the quick path for values without a backslash must not take it for a quoted empty value).
  { input: 'job="', err: 'matcher value contains unescaped double quote: "' },
  { input: 'job=~"', err: 'matcher value contains unescaped double quote: "' },
  { input: 'job=value"', err: 'matcher value contains unescaped double quote: value"' },
  { input: 'trickier==\\\\=\\=\\""', err: 'matcher value contains unescaped double quote: =\\\\=\\=\\""' },
  { input: 'contains_unescaped_quote = foo"bar', err: 'matcher value contains unescaped double quote: foo"bar' },
  { input: '{invalid-name = "valid label"}', err: 'bad matcher format: invalid-name = "valid label"' },
  {
    input: '{foo=~"invalid[regexp"}',
    err: 'error parsing regexp: Invalid regular expression: /^(?:invalid[regexp)$/: Unterminated character class',
  },
  // Double escaped strings.
  { input: '"{foo=\\"bar"}', err: 'bad matcher format: "{foo=\\"bar"' },
  { input: '"foo=\\"bar"', err: 'bad matcher format: "foo=\\"bar"' },
  { input: '"foo=\\"bar\\""', err: 'bad matcher format: "foo=\\"bar\\""' },
  { input: '"foo=\\"bar\\"', err: 'bad matcher format: "foo=\\"bar\\"' },
  { input: '"{foo=\\"bar\\"}"', err: 'bad matcher format: "{foo=\\"bar\\"}"' },
  { input: '"foo="bar""', err: 'bad matcher format: "foo="bar""' },
  { input: '{{foo=', err: 'bad matcher format: {foo=' },
  { input: '{foo=', want: [['=', 'foo', '']] },
  { input: '{foo=}b', want: [['=', 'foo', '}b']] },
];

describe('Alertmanager matcher parsing', () => {
  for (const tc of PARSE_CASES) {
    it(tc.err === undefined ? `parses ${tc.input}` : `rejects ${tc.input}`, () => {
      if (tc.err !== undefined) {
        let caught: unknown;
        try {
          parseMatchers(tc.input);
        } catch (err) {
          caught = err;
        }
        expect(caught).to.be.instanceOf(FirebreakError);
        expect((caught as FirebreakError).code).to.equal('RUNBOOK_INVALID_MATCHER');
        expect((caught as FirebreakError).message).to.equal(tc.err);
        return;
      }
      const got = parseMatchers(tc.input).map((m) => [m.type, m.name, m.value]);
      expect(got).to.deep.equal(tc.want);
    });
  }

  it('parses a single matcher and prints it back in canonical form', () => {
    const m = parseMatcher('  severity =~ warning|critical ');
    expect([m.type, m.name, m.value]).to.deep.equal(['=~', 'severity', 'warning|critical']);
    expect(formatMatcher(m)).to.equal('severity=~"warning|critical"');
    expect(formatMatcher(newMatcher('=', 'q', 'a"b\\c\nd'))).to.equal('q="a\\"b\\\\c\\nd"');
  });
});

const MATCH_CASES: Array<{ type: MatchType; value: string; input: string; match: boolean }> = [
  { type: '=', value: 'bar', input: 'bar', match: true },
  { type: '=', value: 'bar', input: 'foo-bar', match: false },
  { type: '!=', value: 'bar', input: 'bar', match: false },
  { type: '!=', value: 'bar', input: 'foo-bar', match: true },
  { type: '=~', value: 'bar', input: 'bar', match: true },
  { type: '=~', value: 'bar', input: 'foo-bar', match: false },
  { type: '=~', value: '.*bar', input: 'foo-bar', match: true },
  { type: '!~', value: 'bar', input: 'bar', match: false },
  { type: '!~', value: 'bar', input: 'foo-bar', match: true },
  { type: '!~', value: '.*bar', input: 'foo-bar', match: false },
  { type: '=~', value: 'foo.bar', input: 'foo-bar', match: true },
  { type: '=~', value: 'foo\\.bar', input: 'foo-bar', match: false },
  { type: '=~', value: 'foo\\.bar', input: 'foo.bar', match: true },
  { type: '=', value: 'foo\nbar', input: 'foo\nbar', match: true },
  { type: '=~', value: 'foo.bar', input: 'foo\nbar', match: false },
  { type: '=~', value: '(?s)foo.bar', input: 'foo\nbar', match: true },
  { type: '=', value: '~!="', input: '~!="', match: true },
];

describe('Alertmanager matcher semantics', () => {
  for (const tc of MATCH_CASES) {
    it(`${tc.type}${JSON.stringify(tc.value)} ${tc.match ? 'matches' : 'does not match'} ${JSON.stringify(tc.input)}`, () => {
      expect(matcherMatches(newMatcher(tc.type, 'x', tc.value), tc.input)).to.equal(tc.match);
    });
  }

  it('anchors regexes at both ends, also around alternations', () => {
    const m = newMatcher('=~', 'severity', 'warning|critical');
    expect(matcherMatches(m, 'critical')).to.equal(true);
    expect(matcherMatches(m, 'not-critical')).to.equal(false);
    expect(matcherMatches(m, 'warnings')).to.equal(false);
  });

  it('treats a missing label as the empty string', () => {
    const labels = { alertname: 'KafkaLag' };
    expect(matchesLabels(parseMatchers('team=""'), labels)).to.equal(true);
    expect(matchesLabels(parseMatchers('team!=""'), labels)).to.equal(false);
    expect(matchesLabels(parseMatchers('team=~".*"'), labels)).to.equal(true);
    expect(matchesLabels(parseMatchers('team=~".+"'), labels)).to.equal(false);
    expect(matchesLabels(parseMatchers('team!~"ops"'), labels)).to.equal(true);
  });

  it('requires every matcher to match, and an empty list matches everything', () => {
    const ms = parseMatchers('alertname="KafkaLag", severity=~"warning|critical"');
    expect(matchesLabels(ms, { alertname: 'KafkaLag', severity: 'critical' })).to.equal(true);
    expect(matchesLabels(ms, { alertname: 'KafkaLag', severity: 'info' })).to.equal(false);
    expect(matchesLabels([], { anything: 'x' })).to.equal(true);
  });

  it('does not read inherited properties as labels', () => {
    expect(matchesLabels(parseMatchers('constructor=""'), {})).to.equal(true);
    expect(matchesLabels(parseMatchers('toString!=""'), {})).to.equal(false);
  });

  it('translates Go leading inline flags (?i) and refuses ones JavaScript lacks', () => {
    expect(matcherMatches(newMatcher('=~', 'x', '(?i)critical'), 'CRITICAL')).to.equal(true);
    expect(matcherMatches(newMatcher('=~', 'x', 'critical'), 'CRITICAL')).to.equal(false);
    expect(() => newMatcher('=~', 'x', '(?U)a+')).to.throw(FirebreakError, /unsupported inline flags \(\?U\)/);
  });
});
