package labs

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// builtinFS holds the built-in labs, one file each, named after the lab.
//
//go:embed builtin/*.yaml
var builtinFS embed.FS

// BuiltinNames returns the names of the built-in labs, sorted.
func BuiltinNames() []string {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// BuiltinSource returns the YAML source of the built-in lab called name,
// for `netlab labs` to show or a person to copy and change.
func BuiltinSource(name string) ([]byte, error) {
	if !slices.Contains(BuiltinNames(), name) {
		return nil, fmt.Errorf("%w %q: built-in labs are %s", ErrUnknownLab, name, strings.Join(BuiltinNames(), ", "))
	}
	return builtinFS.ReadFile(path.Join("builtin", name+".yaml"))
}

// Builtin loads the built-in lab called name. Its Source is
// "builtin:<name>"; each call returns a new Lab.
func Builtin(name string) (*Lab, error) {
	data, err := BuiltinSource(name)
	if err != nil {
		return nil, err
	}
	lab, err := Load(name+".yaml", data)
	if err != nil {
		return nil, err
	}
	lab.Source = "builtin:" + name
	return lab, nil
}

// Resolve loads the lab that a command-line argument names: a lab file when
// arg contains a '/' or ends in .yaml or .yml and such a file exists, a
// built-in lab otherwise. An argument that names neither gives an error
// wrapping ErrUnknownLab (or the file's error, for an argument that looks
// like a path).
func Resolve(arg string) (*Lab, error) {
	looksLikePath := strings.Contains(arg, "/") || strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml")
	if looksLikePath {
		if st, err := os.Stat(arg); err == nil && !st.IsDir() {
			return LoadFile(arg)
		}
	}
	if slices.Contains(BuiltinNames(), arg) {
		return Builtin(arg)
	}
	if looksLikePath {
		return LoadFile(arg)
	}
	return nil, fmt.Errorf("%w %q: not a built-in lab (%s), nor a lab file (a path with a '/', or ending in .yaml)",
		ErrUnknownLab, arg, strings.Join(BuiltinNames(), ", "))
}
