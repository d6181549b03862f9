"""Who is using the dashboard, in which role, and what that role may see.

Three ways in (docs/roles.md):
- OIDC: ``.streamlit/secrets.toml`` has an ``[auth]`` section → ``st.login``; the role comes
  from a claim (setting ``oidc_role_claim``) or the users file's ``[oidc_roles]`` table.
- Local users file (setting ``users_file``): a sign-in form checks argon2 hashes.
- Embedded (neither): one local user whose role is the setting ``role``, switchable in the
  sidebar's 设置 expander when ``allow_role_switch`` is on.
"""

from __future__ import annotations

import os
import sys
import time

import streamlit as st
from streamlit import config as st_config

import settings
from access import appdb, users
from views import state

LOCAL_USER = "本地用户"
ANONYMOUS = "anonymous"  # the audit role of a sign-in that failed
SIGNED_IN = "auth_user"  # session key: (name, role) after a form sign-in
ROLE_CHOICE = "role_choice"  # the role selectbox (widget state can be reset on a page switch)
ROLE = "embedded_role"  # session key: the role chosen, kept apart from the widget


def mode() -> str:
    """'oidc', 'users' or 'embedded'."""
    if _has_oidc():
        return "oidc"
    return "users" if settings.get("users_file") else "embedded"


SECRETS_RECHECK_S = 2.0  # how long "no secrets file" is believed before the paths are looked at
_no_secrets: dict[tuple, float] = {}  # secrets paths → when they were last seen all missing


def _has_oidc() -> bool:
    # Streamlit searches its secrets paths again on every call while none exists (under a lock,
    # raising and formatting an error inside): 4% of the server under 20 sessions (issue 18).
    # Checked by path first, at most every SECRETS_RECHECK_S, so a secrets file added later is
    # still found.
    paths = tuple(st_config.get_option("secrets.files"))
    seen = _no_secrets.get(paths)
    if seen is not None and time.monotonic() - seen < SECRETS_RECHECK_S:
        return False
    if not any(os.path.exists(p) for p in paths):
        _no_secrets[paths] = time.monotonic()
        return False
    _no_secrets.pop(paths, None)
    try:  # a missing or broken secrets file means: no OIDC configured
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except Exception:  # noqa: BLE001 - any secrets problem falls back to the other modes
        return False


def sign_in() -> None:
    """Ask for sign-in when the deployment needs it; stops the script until signed in."""
    m = mode()
    if m == "oidc" and not st.user.is_logged_in:
        _oidc_form()
        st.stop()
    if m == "users" and SIGNED_IN not in st.session_state:
        _password_form()
        st.stop()


def _oidc_form() -> None:
    st.title("人才地图 · 登录")
    try:
        import authlib  # noqa: F401 - st.login needs it
    except ImportError:
        st.error("已配置 OIDC 登录, 但未安装 Authlib (pip install Authlib>=1.3.2)。")
        return
    st.button("使用单位账号登录", on_click=st.login, type="primary")


def _password_form() -> None:
    st.title("人才地图 · 登录")
    with st.form("sign_in"):
        name = st.text_input("用户名")
        password = st.text_input("密码", type="password")
        if st.form_submit_button("登录", type="primary"):
            # Limits are process-wide (users.LIMITER): a new session starts from the same counts.
            result = users.attempt_sign_in(settings.get("users_file"), name, password,
                                           client=client_key(), on_failure=_audit_sign_in)
            if result.user is None:
                st.error(result.message)
            else:
                st.session_state[SIGNED_IN] = (result.user.name, result.user.role)
                st.rerun()


def client_key() -> str:
    """The client's address for the sign-in limits: the connection's, or the X-Forwarded-For
    of a proxy on this machine (Streamlit's server, uvicorn, believes that header from 127.0.0.1
    and ::1 only, which is how python -m serve's front connects; it replaces any the client
    sent); 'local' when Streamlit has none (localhost, tests). Never per session: a new session
    must not get fresh attempts."""
    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001 - outside a script run there is no context
        ip = None
    return ip if isinstance(ip, str) and ip else "local"


def _audit_sign_in(action: str, name: str, client: str, reason: str) -> None:
    """Audit a failed sign-in or a lockout: the name tried, the client; never the password."""
    try:
        appdb.record(settings.path("app_db_path"), name[:64], ANONYMOUS, action, client, reason)
    except appdb.AuditError as e:  # the sign-in is refused anyway; say so on the console
        print(f"audit of {action} failed: {e}", file=sys.stderr)


def current_user() -> tuple[str, str]:
    """(name, role) of this session."""
    m = mode()
    if m == "oidc":
        return _oidc_user()
    if m == "users":
        return st.session_state.get(SIGNED_IN, ("", users.DEFAULT_ROLE))
    role = users.parse_role(settings.get("role"))
    if settings.get("allow_role_switch"):
        role = users.parse_role(st.session_state.get(ROLE), role)
    return LOCAL_USER, role


def _oidc_user() -> tuple[str, str]:
    """Name and role of an OIDC user: the role claim, else the users file's mapping."""
    info = st.user.to_dict() if st.user.is_logged_in else {}
    mapping = users.oidc_roles(settings.get("users_file") or None)
    return users.role_from_identity(info, settings.get("oidc_role_claim"), mapping)


def role() -> str:
    return current_user()[1]


def can_see_individuals() -> bool:
    return users.can_see_individuals(role())


def can_export() -> bool:
    return users.can_export(role())


def small_cell_k() -> int | None:
    """k for planner/analyst (counts below it show as '<k'); None for recruiter/admin."""
    return users.small_cell_k(role(), state.thresholds().small_cell_k)


def settings_expander() -> None:
    """The sidebar 设置 expander: who is signed in, the role switch (embedded), sign-out."""
    name, r = current_user()
    m = mode()
    with st.sidebar.expander("设置", expanded=False):
        if m == "embedded" and settings.get("allow_role_switch"):
            st.selectbox("角色", users.ROLES, index=users.ROLES.index(r), key=ROLE_CHOICE,
                         format_func=users.ROLE_LABELS.get, on_change=_store_role,
                         help="单机演示可切换角色; 共享部署请关闭 allow_role_switch。")
        else:
            st.caption(f"用户: {name} · 角色: {users.ROLE_LABELS[r]}")
        if m == "users" and st.button("退出登录", key="sign_out"):
            st.session_state.pop(SIGNED_IN, None)
            st.rerun()
        if m == "oidc" and st.button("退出登录", key="sign_out"):
            st.logout()


def _store_role() -> None:
    st.session_state[ROLE] = st.session_state.get(ROLE_CHOICE)


def audit(action: str, target: str | None = None, reason: str | None = None,
          filters: dict | None = None) -> None:
    """Record an action of this session's user in the audit log."""
    name, r = current_user()
    appdb.record(settings.path("app_db_path"), name, r, action, target, reason, filters)
