-- A customer's WeChat Official Account openid (the follower's id under the
-- company's account), a way to reach them beside the mobile and e-mail: the
-- WeChat channel sends template messages to it.
ALTER TABLE customers ADD COLUMN wechat_openid TEXT;
