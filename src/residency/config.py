"""Settings from the environment (and an optional .env file)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET = "dev-insecure-secret-change-me-0123456789abcdef"
DEFAULT_DATABASE_URL = "sqlite:///var/residency.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    redis_url: str = Field("redis://127.0.0.1:6379/0", alias="REDIS_URL")
    secret_key: str = Field(DEFAULT_SECRET, alias="SECRET_KEY")
    env: Literal["development", "production"] = Field("development", alias="RESIDENCY_ENV")
    access_token_minutes: int = Field(15, alias="ACCESS_TOKEN_MINUTES", gt=0)
    refresh_token_days: int = Field(7, alias="REFRESH_TOKEN_DAYS", gt=0)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="CORS_ORIGINS")
    sentry_dsn: str | None = Field(None, alias="SENTRY_DSN")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    metrics_public: bool = Field(True, alias="METRICS_PUBLIC")
    login_max_failures: int = Field(5, alias="LOGIN_MAX_FAILURES", gt=0)
    login_window_seconds: int = Field(900, alias="LOGIN_WINDOW_SECONDS", gt=0)
    login_lockout_seconds: int = Field(900, alias="LOGIN_LOCKOUT_SECONDS", gt=0)
    smtp_host: str | None = Field(None, alias="SMTP_HOST")
    smtp_port: int = Field(25, alias="SMTP_PORT")
    smtp_from: str = Field("residency-scheduler@localhost", alias="SMTP_FROM")
    smtp_user: str | None = Field(None, alias="SMTP_USER")
    smtp_password: str | None = Field(None, alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(False, alias="SMTP_STARTTLS")
    health_check_minutes: int = Field(15, alias="HEALTH_CHECK_MINUTES", gt=0)
    initial_admin_username: str | None = Field(None, alias="INITIAL_ADMIN_USERNAME")
    initial_admin_password: str | None = Field(None, alias="INITIAL_ADMIN_PASSWORD")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check_production(self) -> None:
        """Refuse to run in production with a missing, default or short secret."""
        if not self.is_production:
            return
        if not self.secret_key or self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
            raise RuntimeError("SECRET_KEY must be set to a random value of at least 32 characters in production")


@lru_cache
def get_settings() -> Settings:
    return Settings()
