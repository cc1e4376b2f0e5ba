package gzipped

import "bytes"

// Accepts reports whether an Accept-Encoding value accepts gzip (RFC 9110, section 12.5.3): gzip
// (or its alias x-gzip) named with a weight above zero, or not named and "*" with a weight above
// zero. A weight of zero refuses ("gzip;q=0" refuses gzip even beside "*"); an element whose weight
// cannot be read counts as not acceptable. An empty or absent header accepts nothing but the plain
// bytes: a client that says nothing gets what every client can read.
//
// Fiber's Ctx.AcceptsEncodings is not used: it takes "gzip;q=0, *" and an absent header as
// accepting gzip.
func Accepts(header []byte) bool {
	named, namedOK, star, starOK := false, false, false, false
	for len(header) > 0 {
		var element []byte
		if i := bytes.IndexByte(header, ','); i >= 0 {
			element, header = header[:i], header[i+1:]
		} else {
			element, header = header, nil
		}
		coding, params, _ := bytes.Cut(element, []byte{';'})
		coding = bytes.TrimSpace(coding)
		isGzip := bytes.EqualFold(coding, []byte("gzip")) || bytes.EqualFold(coding, []byte("x-gzip"))
		isStar := len(coding) == 1 && coding[0] == '*'
		if !isGzip && !isStar {
			continue
		}
		ok := weightAboveZero(params)
		if isGzip {
			named, namedOK = true, namedOK || ok
		} else {
			star, starOK = true, starOK || ok
		}
	}
	if named {
		return namedOK
	}
	return star && starOK
}

// weightAboveZero reads an element's parameters (after its first ";") for its weight: q=0 (or 0.0,
// 0.00, 0.000) is zero, a valid qvalue above it is not; no weight is 1. A malformed weight is zero.
func weightAboveZero(params []byte) bool {
	for len(params) > 0 {
		var p []byte
		if i := bytes.IndexByte(params, ';'); i >= 0 {
			p, params = params[:i], params[i+1:]
		} else {
			p, params = params, nil
		}
		name, value, found := bytes.Cut(bytes.TrimSpace(p), []byte{'='})
		if !found || !bytes.EqualFold(bytes.TrimSpace(name), []byte("q")) {
			continue
		}
		return qvalueAboveZero(bytes.TrimSpace(value))
	}
	return true
}

// qvalueAboveZero: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
func qvalueAboveZero(v []byte) bool {
	if len(v) == 0 || (v[0] != '0' && v[0] != '1') {
		return false
	}
	frac := v[1:]
	if len(frac) > 0 {
		if frac[0] != '.' || len(frac) > 4 {
			return false
		}
		frac = frac[1:]
	}
	nonZero := false
	for _, d := range frac {
		if d < '0' || d > '9' || (v[0] == '1' && d != '0') {
			return false
		}
		nonZero = nonZero || d != '0'
	}
	return v[0] == '1' || nonZero
}
