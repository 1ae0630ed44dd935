package integrity

// CRC combination. For the CRCs here (reflected, initial value and final
// xor all ones), CRC(A‖B) = Z_n(CRC(A)) xor CRC(B), where n = len(B) and
// Z_n is the linear map over GF(2) "advance the register over n zero
// bytes". Z_n is a width×width bit matrix, found by repeated squaring of
// the one-bit map, so combining costs O(log n) matrix products and no
// data.

// gf2 is a square matrix over GF(2): column i is the image of bit i.
type gf2 struct {
	col   [64]uint64
	width int
}

// apply returns m·v.
func (m *gf2) apply(v uint64) uint64 {
	var r uint64
	for i := 0; v != 0; i, v = i+1, v>>1 {
		if v&1 != 0 {
			r ^= m.col[i]
		}
	}
	return r
}

// mul returns a·b (b applied first).
func mul(a, b *gf2) gf2 {
	r := gf2{width: a.width}
	for i := 0; i < a.width; i++ {
		r.col[i] = a.apply(b.col[i])
	}
	return r
}

// zeroBit is the map "feed one zero bit" of the reflected register of
// poly.
func zeroBit(poly uint64, width int) gf2 {
	m := gf2{width: width}
	m.col[0] = poly
	for i := 1; i < width; i++ {
		m.col[i] = 1 << (i - 1)
	}
	return m
}

// zeroBytes returns Z_n for the CRC of a.
func zeroBytes(a Algo, n int64) gf2 {
	spec := crcSpecs[a]
	r := gf2{width: spec.width}
	for i := 0; i < spec.width; i++ {
		r.col[i] = 1 << i // identity
	}
	p := zeroBit(spec.poly, spec.width)
	for i := 0; i < 3; i++ { // one byte: eight bits
		p = mul(&p, &p)
	}
	for ; n > 0; n >>= 1 {
		if n&1 != 0 {
			r = mul(&p, &r)
		}
		if n > 1 {
			p = mul(&p, &p)
		}
	}
	return r
}

// Combine returns the CRC (in algorithm a) of A‖B from crcA = CRC(A),
// crcB = CRC(B) and lenB = len(B).
func Combine(a Algo, crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA
	}
	z := zeroBytes(a, lenB)
	return z.apply(crcA) ^ crcB
}

// Combiner computes the CRC of an object from the CRCs of its ranges,
// appended in order. Ranges of one length share one matrix, so a
// download of equal ranges costs one matrix computation, then a
// matrix-vector product per range.
type Combiner struct {
	algo  Algo
	crc   uint64
	n     int64
	cache map[int64]*gf2
}

// NewCombiner returns a combiner for the CRC a; its value is the CRC of
// no bytes.
func NewCombiner(a Algo) *Combiner {
	return &Combiner{algo: a, cache: map[int64]*gf2{}}
}

// Append adds a range of n bytes whose CRC is crc.
func (c *Combiner) Append(crc uint64, n int64) {
	if n <= 0 {
		return
	}
	z := c.cache[n]
	if z == nil {
		m := zeroBytes(c.algo, n)
		z = &m
		if len(c.cache) < 4 { // the range size and the last range's
			c.cache[n] = z
		}
	}
	c.crc = z.apply(c.crc) ^ crc
	c.n += n
}

// Sum returns the CRC of the ranges appended so far, as a raw digest.
func (c *Combiner) Sum() []byte { return c.algo.CRCBytes(c.crc) }

// Len returns the bytes appended so far.
func (c *Combiner) Len() int64 { return c.n }
