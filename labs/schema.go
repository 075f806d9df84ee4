package labs

import (
	"bytes"
	_ "embed"
)

// schemaJSON is the lab format's JSON Schema, schema/lab.schema.json.
//
//go:embed schema/lab.schema.json
var schemaJSON []byte

// SchemaFile is where the lab format's JSON Schema is in netlab's
// repository, from its root. The built-in labs name it on their first
// line, by a path relative to themselves, for editors that speak the YAML
// language server:
//
//	# yaml-language-server: $schema=../schema/lab.schema.json
const SchemaFile = "labs/schema/lab.schema.json"

// Schema returns the lab format's JSON Schema (draft 2020-12), as shipped
// in the repository and embedded in the binary (`netlab labs schema`
// prints it). It checks a lab's structure, types, keys and value syntax;
// what refers to other parts of the lab (unknown nodes, sockets closed
// before use, steps going back in time, duplicate addresses) only Load
// checks.
func Schema() []byte { return bytes.Clone(schemaJSON) }
