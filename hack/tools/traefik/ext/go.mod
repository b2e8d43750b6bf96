// Traefik's go.mod replaces this module with a folder of its repository that the
// published module zip leaves out; this stand-in declares the same (empty) types.
module github.com/traefik/traefik/dynamic/ext

go 1.24.0
