import { expect } from 'chai';
import { Reader, Writer } from '../../../src/actions/kafka/protocol/codec.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { hex } from '../../fixtures/kafka-protocol/hex.ts';

function written(flexible: boolean, write: (w: Writer) => void): string {
  const w = new Writer(flexible);
  write(w);
  return w.toBuffer().toString('hex');
}

function protocolError(fn: () => unknown): FirebreakError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(FirebreakError);
    expect((e as FirebreakError).code).to.equal('KAFKA_PROTOCOL');
    return e as FirebreakError;
  }
  expect.fail('expected a KAFKA_PROTOCOL error');
}

describe('Kafka wire primitives', () => {
  describe('unsigned varint', () => {
    const cases: Array<[number, string]> = [
      [0, '00'],
      [1, '01'],
      [127, '7f'], //          largest one-byte value
      [128, '8001'], //        low 7 bits 0 with continuation, then 1
      [300, 'ac02'], //        300 = 0b10_0101100 → 1_0101100, 0000010
      [16_383, 'ff7f'],
      [16_384, '808001'],
      [0xffff_ffff, 'ffffffff0f'], // 32 bits need 5 bytes
    ];
    for (const [value, bytes] of cases) {
      it(`encodes and decodes ${value} as ${bytes}`, () => {
        expect(written(true, (w) => w.uvarint(value))).to.equal(bytes);
        const r = new Reader(hex(bytes), true);
        expect(r.uvarint()).to.equal(value);
        r.end();
      });
    }

    it('rejects negative, fractional and over-32-bit values when writing', () => {
      expect(() => new Writer(true).uvarint(-1)).to.throw(RangeError);
      expect(() => new Writer(true).uvarint(1.5)).to.throw(RangeError);
      expect(() => new Writer(true).uvarint(2 ** 32)).to.throw(RangeError);
    });

    it('rejects a varint longer than 5 bytes or above 32 bits, and a truncated one', () => {
      protocolError(() => new Reader(hex('ffffffffff01'), true).uvarint());
      protocolError(() => new Reader(hex('ffffffff1f'), true).uvarint());
      protocolError(() => new Reader(hex('80'), true).uvarint());
    });
  });

  describe('strings', () => {
    it('writes classic strings with an INT16 length and null as -1', () => {
      expect(written(false, (w) => w.string('ab'))).to.equal('00026162');
      expect(written(false, (w) => w.string(''))).to.equal('0000');
      expect(written(false, (w) => w.string(null))).to.equal('ffff');
    });

    it('writes compact strings with length + 1 and null as 0', () => {
      expect(written(true, (w) => w.string('ab'))).to.equal('036162');
      expect(written(true, (w) => w.string(''))).to.equal('01');
      expect(written(true, (w) => w.string(null))).to.equal('00');
    });

    it('counts UTF-8 bytes, not characters', () => {
      expect(written(true, (w) => w.string('é'))).to.equal('03c3a9');
      const r = new Reader(hex('0002 c3a9'), false);
      expect(r.string()).to.equal('é');
    });

    it('reads null and empty apart, in both encodings', () => {
      expect(new Reader(hex('ffff'), false).nullableString()).to.equal(null);
      expect(new Reader(hex('0000'), false).nullableString()).to.equal('');
      expect(new Reader(hex('00'), true).nullableString()).to.equal(null);
      expect(new Reader(hex('01'), true).nullableString()).to.equal('');
    });

    it('rejects null where the schema forbids it, and a length past the end', () => {
      protocolError(() => new Reader(hex('ffff'), false).string());
      protocolError(() => new Reader(hex('0005 6162'), false).string());
      protocolError(() => new Reader(hex('fffe'), false).nullableString());
    });
  });

  describe('arrays', () => {
    it('writes classic arrays with an INT32 count and null as -1', () => {
      expect(written(false, (w) => w.array([1, 2], (w, n) => w.int32(n)))).to.equal('000000020000000100000002');
      expect(written(false, (w) => w.array([], (w, n: number) => w.int32(n)))).to.equal('00000000');
      expect(written(false, (w) => w.array(null, (w, n: number) => w.int32(n)))).to.equal('ffffffff');
    });

    it('writes compact arrays with count + 1 and null as 0', () => {
      expect(written(true, (w) => w.array([7], (w, n) => w.int8(n)))).to.equal('0207');
      expect(written(true, (w) => w.array([], (w, n: number) => w.int8(n)))).to.equal('01');
      expect(written(true, (w) => w.array(null, (w, n: number) => w.int8(n)))).to.equal('00');
    });

    it('reads null and empty apart, in both encodings', () => {
      expect(new Reader(hex('ffffffff'), false).nullableArray((r) => r.int8())).to.equal(null);
      expect(new Reader(hex('00000000'), false).nullableArray((r) => r.int8())).to.deep.equal([]);
      expect(new Reader(hex('00'), true).nullableArray((r) => r.int8())).to.equal(null);
      expect(new Reader(hex('01'), true).nullableArray((r) => r.int8())).to.deep.equal([]);
    });

    it('rejects an element count the remaining bytes cannot hold', () => {
      protocolError(() => new Reader(hex('7fffffff 00'), false).array((r) => r.int8()));
      protocolError(() => new Reader(hex('ffffffff'), false).array((r) => r.int8()));
    });
  });

  describe('tagged fields', () => {
    it('writes an empty section only in flexible mode', () => {
      expect(written(true, (w) => w.endStruct())).to.equal('00');
      expect(written(false, (w) => w.endStruct())).to.equal('');
    });

    it('reads and returns unknown tagged fields, skipping their data', () => {
      const r = new Reader(hex('02', '01 02 abcd', '8001 01 ee', '7f'), true);
      const fields = r.endStruct();
      expect(fields.map((f) => [f.tag, f.data.toString('hex')])).to.deep.equal([
        [1, 'abcd'],
        [128, 'ee'],
      ]);
      expect(r.int8()).to.equal(0x7f);
      r.end();
    });

    it('rejects tags out of order and a size past the end', () => {
      protocolError(() => new Reader(hex('02', '02 00', '01 00'), true).endStruct());
      protocolError(() => new Reader(hex('01', '01 05 ab'), true).endStruct());
    });
  });

  it('round-trips fixed-width numbers, including int64 beyond 2^53 and negative values', () => {
    const bytes = new Writer(false).int8(-1).int16(-2).int32(-3).int64(2n ** 62n + 1n).float64(-0.5).bool(true).toBuffer();
    expect(bytes.toString('hex')).to.equal('ff' + 'fffe' + 'fffffffd' + '4000000000000001' + 'bfe0000000000000' + '01');
    const r = new Reader(bytes, false);
    expect([r.int8(), r.int16(), r.int32(), r.int64(), r.float64(), r.bool()]).to.deep.equal([-1, -2, -3, 2n ** 62n + 1n, -0.5, true]);
    r.end();
  });

  it('reports trailing bytes as a schema mismatch', () => {
    const r = new Reader(hex('0001 ff'), false);
    r.int16();
    const err = protocolError(() => r.end());
    expect(err.message).to.contain('1 unexpected trailing bytes');
  });
});
