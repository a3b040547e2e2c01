/*
 * auth.h - staff passwords (libscrypt) and accounts.
 */
#ifndef ZJ_AUTH_H
#define ZJ_AUTH_H

#include <libscrypt.h>
#include <stddef.h>

struct actor;
struct arena;
struct db;

/*
 * scrypt parameters for new hashes, from the OWASP password storage list,
 * sized for a 512 MB VPS: N=2^15, r=8, p=3 (128*N*r = 32 MiB per login).
 */
#define PW_SCRYPT_LOGN 15
#define PW_SCRYPT_R 8
#define PW_SCRYPT_P 3
#define PW_MIN_LEN 10

/* Hash pw into out (an MCF string).  Returns 0, or -1 on failure. */
int auth_hash_password(const char *pw, char out[SCRYPT_MCF_LEN]);

/* 1 when pw matches the MCF hash, 0 when not, -1 on a malformed hash. */
int auth_check_password(const char *mcf, const char *pw);

/* 1 when the hash was made with other parameters than the ones above. */
int auth_needs_rehash(const char *mcf);

/*
 * NULL when pw is acceptable for account user, else the reason in Chinese
 * (too short, the account's own name, one of the most common passwords).
 */
const char *auth_password_problem(const char *user, const char *pw);

/*
 * Create a staff account.  role: admin, reviewer or legal; district: a
 * district code or NULL for all.  Returns 0, or -1 with the reason in err.
 */
int auth_add_user(struct db *db, const char *name, const char *role,
    const char *district, const char *pw, int must_change, char *err,
    size_t errlen);

/* What the staff desk and the admin commands do to an account. */
enum account_op {
	ACCOUNT_DISABLE,  /* 停用 (zhijia lock): ends its sessions */
	ACCOUNT_ENABLE,   /* 启用, and lifts a lockout */
	ACCOUNT_RESET,    /* a temporary password: a new one is owed at the
	                     next login; unlocks; ends its sessions */
	ACCOUNT_PASSWD,   /* zhijia passwd: a password of its own; unlocks;
	                     ends its sessions */
};

struct account_change {
	enum account_op op;
	long long id;            /* the account */
	const char *username;    /* its name: the audit entry's target */
	const char *hash;        /* RESET, PASSWD: the new password's MCF hash */
	const char *detail;      /* the audit entry's detail ("" or NULL: none) */
};

/*
 * A store_fn (store.h) making arg, a struct account_change, inside the
 * caller's transaction: the account's row, the end of its sessions when
 * the change ends them, and the audit entry by who.  Returns SQLITE_DONE
 * or the failing SQLite code.
 */
int account_change(struct db *db, const struct actor *who, struct arena *a,
    void *arg);

#endif
