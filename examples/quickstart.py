"""A first look: the lasso, ridge and elastic net on scikit-learn's diabetes table."""

from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

from shrinkage import ElasticNet, Lasso, LogisticRegression, Ridge, regularization_path

X, y = load_diabetes(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

path = regularization_path(X_train, y_train, alphas=50)
print(f"lasso path: alpha_max = {path.alphas[0]:.4g}, "
      f"{path.n_nonzero[-1]} of {X.shape[1]} features at alpha = {path.alphas[-1]:.3g}, "
      f"worst relative duality gap {path.gaps.max():.1e}")

alpha = path.alphas[len(path.alphas) // 2]
for model in (Lasso(alpha=alpha), ElasticNet(alpha=alpha, l1_ratio=0.5), Ridge(alpha=alpha)):
    model.fit(X_train, y_train)
    kept = [name for name, c in zip(model.feature_names_in_, model.coef_) if c != 0]
    print(f"{type(model).__name__:>10}: test R^2 = {model.score(X_test, y_test):.3f}, "
          f"{len(kept)} non-zero coefficients ({', '.join(kept)}), "
          f"gap {model.dual_gap_:.1e}")

above_median = y_train > y_train.median()
clf = LogisticRegression(alpha=0.01).fit(X_train, above_median)
print(f"L1 logistic (target above its median): accuracy "
      f"{clf.score(X_test, y_test > y_train.median()):.3f}, "
      f"{int((clf.coef_ != 0).sum())} features kept")
