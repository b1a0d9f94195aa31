package paginate

// EncodeIncluded makes the token an empty page hands back: a position the page
// includes (token version 2).
func EncodeIncluded(c *Codec, o Order, values []any) (string, error) {
	tok, err := c.codec().Encode(o.order(), values, true)
	return tok, public(err)
}

// DecodeIncluded is Codec.Decode that also reports the token's inclusive flag.
func DecodeIncluded(c *Codec, o Order, token string) ([]any, bool, error) {
	vals, included, err := c.codec().Decode(o.order(), token)
	return vals, included, public(err)
}
