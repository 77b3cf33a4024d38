/**
 * Browser entry: Vue app with Element Plus (zh-cn locale via App.vue), vue-i18n and the router.
 */
import { createApp } from 'vue';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import * as Icons from '@element-plus/icons-vue';
import App from './App.vue';
import { i18n, currentLocale } from './i18n';
import { router } from './router';
import { setUnauthenticatedHandler } from './api/client';
import { session } from './session';
import './styles.css';

const app = createApp(App);
for (const [name, component] of Object.entries(Icons)) app.component(`Icon${name}`, component);
app.use(ElementPlus);
app.use(i18n);
app.use(router);
document.documentElement.lang = currentLocale();
setUnauthenticatedHandler(() => {
  session.user = null;
  if (router.currentRoute.value.name !== 'login')
    void router.push({ name: 'login', query: { next: router.currentRoute.value.fullPath } });
});
app.mount('#app');
