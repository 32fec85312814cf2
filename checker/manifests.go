package checker

import (
	"fmt"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
)

// SetupObjects decodes a lab's setup manifests: the one way every path
// (offline and live grading, setting a lab up, mutants) reads them, with
// "SOURCE (setup)" as the file in messages.
func SetupObjects(l *labs.Lab) ([]manifest.Object, error) {
	return labObjects(l, "setup", l.Setup.Manifests)
}

// SolutionObjects decodes a lab's reference solution manifests, as
// SetupObjects does the setup.
func SolutionObjects(l *labs.Lab) ([]manifest.Object, error) {
	return labObjects(l, "solution", l.Solution.Manifests)
}

// labObjects decodes YAML that comes with the lab: when it does not
// decode, the lab has a bug (ckadlab lint reports it at its line).
func labObjects(l *labs.Lab, part, yaml string) ([]manifest.Object, error) {
	objs, err := manifest.Decode(l.Source+" ("+part+")", []byte(yaml))
	if err != nil {
		return nil, fmt.Errorf("lab %s has broken %s manifests (a bug in the lab): %w", l.ID, part, err)
	}
	return objs, nil
}
