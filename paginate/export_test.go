package paginate

// EncodeIncluded makes the token an empty page hands back: a position the page
// includes (token version 2).
func EncodeIncluded(c *Codec, o Order, values []any) (string, error) {
	return c.encode(o, values, true)
}

// DecodeIncluded is Codec.Decode that also reports the token's inclusive flag.
func DecodeIncluded(c *Codec, o Order, token string) ([]any, bool, error) {
	return c.decode(o, token)
}
