"""shrinkage.torch: each proximal step against its closed form, proximal gradient on a
linear layer against the coordinate-descent Lasso / ElasticNet, the wrapper against the
bare optimizer, and pruning against the unpruned network's outputs."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.datasets import load_diabetes, load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import shrinkage  # noqa: E402
from shrinkage.torch import L1, L2, ElasticNet, GroupLasso, Proximal, prune_units  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Every test here on one thread: the tensors are small, and two threads on a loaded
    two-core machine wait for each other (this module took 39-44 s so, 10-15 s on one)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _soft(w, t):
    return np.sign(w) * np.maximum(np.abs(w) - t, 0.0)


@pytest.mark.parametrize("l1_ratio", [0.0, 0.3, 1.0])
def test_elastic_net_prox_is_its_closed_form_and_its_optimality_condition(l1_ratio):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((6, 5))
    alpha, step = 0.7, 0.4
    got = ElasticNet(alpha, l1_ratio).prox_(torch.tensor(w), step).numpy()
    expected = _soft(w, step * alpha * l1_ratio) / (1 + step * alpha * (1 - l1_ratio))
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)
    # (w - v) / step - alpha (1 - r) v is in alpha r * subdifferential of |v|
    residual = (w - got) / step - alpha * (1 - l1_ratio) * got
    nonzero = got != 0
    np.testing.assert_allclose(residual[nonzero], alpha * l1_ratio * np.sign(got[nonzero]),
                               atol=1e-12)
    assert np.all(np.abs(residual[~nonzero]) <= alpha * l1_ratio + 1e-12)


def test_l1_and_l2_are_the_ends_of_the_elastic_net():
    w = torch.linspace(-2, 2, 41, dtype=torch.float64)
    np.testing.assert_array_equal(L1(0.5).prox_(w.clone(), 0.3),
                                  ElasticNet(0.5, 1.0).prox_(w.clone(), 0.3))
    np.testing.assert_allclose(L2(0.5).prox_(w.clone(), 0.3), w / 1.15, rtol=1e-15)
    assert float(L1(0.5).value(w)) == pytest.approx(0.5 * float(w.abs().sum()))
    assert float(L2(0.5).value(w)) == pytest.approx(0.25 * float((w ** 2).sum()))


@pytest.mark.parametrize("dim", [0, 1])
def test_group_lasso_prox_scales_each_group_and_zeroes_small_ones(dim):
    rng = np.random.default_rng(1)
    w = rng.standard_normal((5, 4))
    w[2 if dim == 1 else slice(None), 2 if dim == 0 else slice(None)] *= 0.01  # a small group
    alpha, step = 0.8, 0.5
    got = GroupLasso(alpha, dim=dim).prox_(torch.tensor(w), step).numpy()
    norms = np.linalg.norm(w, axis=dim, keepdims=True)
    expected = w * np.maximum(0.0, 1 - step * alpha / norms)
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)
    zero_groups = np.all(got == 0, axis=dim)
    assert zero_groups.sum() >= 1
    assert np.all(np.any(got != 0, axis=dim) == ~zero_groups)  # a group is all or nothing
    assert float(GroupLasso(alpha, dim).value(torch.tensor(w))) == pytest.approx(
        alpha * norms.sum())


def _diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X, (y - y.mean()) / y.std()


def _proximal_gradient(X, y, penalty, steps):
    """Full-batch proximal gradient on a Linear layer, the loss mean squared error / 2,
    step 1 / L (L the largest eigenvalue of [X, 1]'[X, 1] / n)."""
    n, p = X.shape
    design = np.column_stack([X, np.ones(n)])
    lipschitz = np.linalg.eigvalsh(design.T @ design / n).max()
    layer = torch.nn.Linear(p, 1, dtype=torch.float64)
    torch.nn.init.zeros_(layer.weight)
    torch.nn.init.zeros_(layer.bias)
    opt = Proximal(torch.optim.SGD(layer.parameters(), lr=1.0 / lipschitz), penalty)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * torch.mean((layer(Xt).ravel() - yt) ** 2)
        loss.backward()
        opt.step()
    return layer.weight.detach().numpy().ravel(), float(layer.bias.detach())


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_proximal_gradient_on_a_linear_layer_reaches_the_cd_solution(l1_ratio):
    X, y = _diabetes()
    alpha = 0.02
    reference = shrinkage.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14,
                                     max_iter=100_000).fit(X, y)
    penalty = L1(alpha) if l1_ratio == 1.0 else ElasticNet(alpha, l1_ratio)
    # proximal gradient at step 1/L reaches the CD solution to 1e-11 by 2000 steps here
    # (1e-9 by 1000 for the elastic net, to rounding for the lasso): 3000 leave a margin
    w, b = _proximal_gradient(X, y, penalty, 3_000)
    assert 0 < np.sum(reference.coef_ == 0) < X.shape[1]  # some zeros, not all
    np.testing.assert_array_equal(w == 0, reference.coef_ == 0)
    np.testing.assert_allclose(w, reference.coef_, atol=1e-7)
    assert b == pytest.approx(reference.intercept_, abs=1e-7)


def _bare_and_wrapped(make_optimizer, penalty, steps=25):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    twin = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    twin.load_state_dict(model.state_dict())
    X, Y = torch.randn(40, 6), torch.randn(40, 2)
    for net, opt in ((model, make_optimizer(model.parameters())),
                     (twin, Proximal(make_optimizer(twin.parameters()), penalty))):
        for _ in range(steps):
            opt.zero_grad()
            torch.mean((net(X) - Y) ** 2).backward()
            opt.step()
    return model, twin


@pytest.mark.parametrize("make_optimizer", [
    lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9),
    lambda ps: torch.optim.Adam(ps, lr=0.01),
    lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
])
@pytest.mark.parametrize("penalty", [L1(0.0), ElasticNet(0.0, 0.5), GroupLasso(0.0)])
def test_alpha_zero_leaves_the_optimizer_unchanged(make_optimizer, penalty):
    bare, wrapped = _bare_and_wrapped(make_optimizer, penalty)
    for a, b in zip(bare.parameters(), wrapped.parameters()):
        assert torch.equal(a, b)


def test_the_default_spares_biases_and_the_prox_uses_the_scheduled_rate():
    """With zero gradients only the prox moves the weights: by lr * alpha each step, lr
    as the scheduler sets it; the bias (1-d) is not penalized by default."""
    layer = torch.nn.Linear(3, 1, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.fill_(1.0)
        layer.bias.fill_(1.0)
    opt = Proximal(torch.optim.SGD(layer.parameters(), lr=0.1), L1(0.5))
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    expected = 1.0
    for lr in (0.1, 0.05, 0.025):
        opt.zero_grad()
        (0.0 * layer.weight.sum() + 0.0 * layer.bias.sum()).backward()
        opt.step()
        scheduler.step()
        expected -= lr * 0.5
        np.testing.assert_allclose(layer.weight.detach().numpy(), expected, rtol=1e-14)
    assert float(layer.bias.detach()) == 1.0
    assert opt.penalized() == [layer.weight]


def test_state_dict_round_trips_through_the_wrapper():
    torch.manual_seed(1)
    layer = torch.nn.Linear(4, 2)
    opt = Proximal(torch.optim.Adam(layer.parameters(), lr=0.01), L1(0.01))
    torch.mean(layer(torch.randn(8, 4)) ** 2).backward()
    opt.step()
    other = Proximal(torch.optim.Adam(layer.parameters(), lr=0.5), L1(0.01))
    other.load_state_dict(opt.state_dict())
    assert other.param_groups[0]["lr"] == 0.01
    assert torch.equal(other.state[layer.weight]["exp_avg"], opt.state[layer.weight]["exp_avg"])


def test_bad_arguments_say_what_is_wrong():
    layer = torch.nn.Linear(3, 1)
    with pytest.raises(TypeError, match="optimizer"):
        Proximal(object(), L1(0.1))
    with pytest.raises(TypeError, match="penalty"):
        Proximal(torch.optim.SGD(layer.parameters(), lr=0.1), 0.1)
    with pytest.raises(ValueError, match="params"):
        Proximal(torch.optim.SGD(layer.parameters(), lr=0.1), L1(0.1),
                 params=[torch.nn.Parameter(torch.zeros(2))])
    with pytest.raises(ValueError, match="alpha"):
        L1(-1.0)
    with pytest.raises(ValueError, match="l1_ratio"):
        ElasticNet(0.1, 1.5)
    with pytest.raises(TypeError, match="alpha"):
        L2("0.1")
    with pytest.raises(ValueError, match="2 or more"):
        GroupLasso(0.1).prox_(torch.zeros(3), 0.1)
    with pytest.raises(ValueError, match="step"):
        L1(0.1).prox_(torch.zeros(3), -0.1)


def test_penalty_value_sums_over_the_penalized_weights_only():
    torch.manual_seed(4)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    opt = Proximal(torch.optim.SGD(net.parameters(), lr=0.1), ElasticNet(0.3, 0.25))
    weights = [net[0].weight.detach().numpy(), net[1].weight.detach().numpy()]
    expected = sum(0.3 * (0.25 * np.abs(w).sum() + 0.375 * (w ** 2).sum()) for w in weights)
    assert float(opt.penalty_value().detach()) == pytest.approx(expected, rel=1e-6)


def test_pruning_keeps_the_outputs():
    torch.manual_seed(2)
    first, second = torch.nn.Linear(5, 7, dtype=torch.float64), torch.nn.Linear(
        7, 3, dtype=torch.float64)
    with torch.no_grad():
        second.weight[:, [1, 4]] = 0.0  # dead outputs
        first.weight[[2, 6]] = 0.0  # constant units
    X = torch.randn(20, 5, dtype=torch.float64)
    before = second(torch.relu(first(X)))
    small_first, small_second, report = prune_units(first, second, torch.relu)
    after = small_second(torch.relu(small_first(X)))
    np.testing.assert_allclose(after.detach(), before.detach(), rtol=1e-13, atol=1e-13)
    assert report.removed_dead_outputs == [1, 4] and report.removed_constant == [2, 6]
    assert small_first.out_features == 3 and report.kept == [0, 3, 5]
    assert first.out_features == 7 and torch.all(first.weight[0] != 0)  # inputs untouched
    _, only_dead, report = prune_units(first, second)  # no activation: exact removals only
    assert report.removed_constant == [] and only_dead.in_features == 5


def test_an_mlp_on_digits_ends_with_exact_zeros_and_stays_accurate():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, test_size=0.3,
                                                        random_state=0, stratify=y)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(),
                              torch.nn.Linear(64, 10))
    # proximal SGD: after Adam the threshold lr * alpha is small beside Adam's normalized
    # steps (about lr each) and few weights reach zero (module docstring of proximal.py)
    opt = Proximal(torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.9), L1(1e-3))
    Xt, yt = torch.tensor(X_train, dtype=torch.float32), torch.tensor(y_train)
    for _ in range(300):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(Xt), yt).backward()
        opt.step()
    with torch.no_grad():
        accuracy = float((net(torch.tensor(X_test, dtype=torch.float32)).argmax(1)
                          == torch.tensor(y_test)).float().mean())
    weights = torch.cat([p.detach().ravel() for p in opt.penalized()])
    zeros = float((weights == 0).float().mean())
    assert accuracy > 0.9
    assert zeros > 0.3, zeros


def test_group_lasso_in_training_drops_inputs_and_units_that_pruning_removes():
    """Groups on the first layer: by columns (dim=0) the noise inputs' outgoing weights
    end exactly zero and the signal inputs' do not; by rows (dim=1) whole hidden units
    switch off, and pruning them leaves the network's outputs unchanged."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 10))
    y = X[:, 0] - 2 * X[:, 1] + np.tanh(X[:, 2]) + 0.1 * rng.standard_normal(400)
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def train(dim, alpha):
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(10, 16, dtype=torch.float64),
                                  torch.nn.ReLU(), torch.nn.Linear(16, 1, dtype=torch.float64))
        opt = Proximal(torch.optim.SGD(net.parameters(), lr=0.05), GroupLasso(alpha, dim),
                       params=[net[0].weight])
        for _ in range(1500):
            opt.zero_grad()
            (0.5 * torch.mean((net(Xt).ravel() - yt) ** 2)).backward()
            opt.step()
        return net

    net = train(0, 0.05)
    dropped = torch.all(net[0].weight == 0, dim=0).numpy()
    assert not dropped[:3].any() and dropped[3:].all()
    net = train(1, 0.05)
    off = torch.all(net[0].weight == 0, dim=1)
    assert 0 < int(off.sum()) < 16
    first, second, report = prune_units(net[0], net[2], torch.relu)
    assert sorted(report.removed_constant + report.removed_dead_outputs) == \
        torch.nonzero(off).ravel().tolist()
    with torch.no_grad():
        np.testing.assert_allclose(second(torch.relu(first(Xt))), net(Xt), rtol=1e-12,
                                   atol=1e-12)
