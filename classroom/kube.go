package classroom

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// objectClient is the part of a typed client-go client Up needs.
type objectClient[T metav1.Object] interface {
	Create(context.Context, T, metav1.CreateOptions) (T, error)
	Get(context.Context, string, metav1.GetOptions) (T, error)
	Update(context.Context, T, metav1.UpdateOptions) (T, error)
}

// createOnly creates obj unless an object of its name exists (kept as it
// is: a token Secret, a namespace, the learner's results). created says
// which.
func createOnly[T metav1.Object](ctx context.Context, c objectClient[T], obj T) (created bool, err error) {
	_, err = c.Create(ctx, obj, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return false, nil
	}
	return err == nil, err
}

// upsert creates obj, or replaces the existing object of its name with it
// (keeping that object's other labels and annotations): a re-run of
// `class up` repairs what was changed.
func upsert[T metav1.Object](ctx context.Context, c objectClient[T], obj T) (created bool, err error) {
	_, err = c.Create(ctx, obj, metav1.CreateOptions{})
	if err == nil || !apierrors.IsAlreadyExists(err) {
		return err == nil, err
	}
	old, err := c.Get(ctx, obj.GetName(), metav1.GetOptions{})
	if err != nil {
		return false, err
	}
	obj.SetResourceVersion(old.GetResourceVersion())
	obj.SetLabels(mergeMaps(old.GetLabels(), obj.GetLabels()))
	obj.SetAnnotations(mergeMaps(old.GetAnnotations(), obj.GetAnnotations()))
	_, err = c.Update(ctx, obj, metav1.UpdateOptions{})
	return false, err
}

func mergeMaps(base, over map[string]string) map[string]string {
	if len(base) == 0 && len(over) == 0 {
		return over
	}
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}
